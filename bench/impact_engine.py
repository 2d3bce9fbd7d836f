"""A pruning top-k over :mod:`bench.impact_build`'s index: the prototype S66 measures.

Every word of a query must be in the paper (in the title, abstract or authors, as the
engine's ``text_query``); a paper's score is the sum of its words' impacts (their BM25 over the
three fields, boosts included), so the top k is exact without scoring every match:

- **One word**: its postings sorted by impact are the ranking; the count is their number.
- **Rare words** (the rarest word's postings at most :data:`FULL_WALK`): a full intersection,
  the rarest word's papers looked up in the others' paper-sorted postings (``searchsorted``),
  every match scored and counted.
- **Otherwise, the threshold algorithm** (Fagin's TA) in vectorised blocks: read the next block
  of every word's impact-sorted postings, score each paper not seen yet by look-ups in the
  paper-sorted postings, and stop once the k-th best score beats the sum of the next unread
  impacts (no unseen paper can reach it), or a word's list is read to its end (every match has
  then been seen). Blocks double; when the papers read would pass the rarest word's postings,
  the full intersection is cheaper and answers instead. The count then stops at ``cap``
  matches (the rarest word's papers looked up in chunks): exact below the cap, else ``cap``,
  what the product's page shows ("10,000+") either way.

Ties rank the lowest paper id first, as tantivy's top-k ranks the lowest address (the index
is built in id order).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.impact_build import term_hash

FULL_WALK = 20_000
FIRST_BLOCK = 64
COUNT_CHUNK = 16_384

Postings = tuple[int, int]  # start, end in the concatenated arrays


class ImpactIndex:
    def __init__(self, root: Path, *, strategy: str = "ta") -> None:
        self.strategy = strategy  # "ta" (threshold algorithm) or "rarest" (rarest word first)

        def load(name: str) -> np.ndarray:
            return np.load(root / f"{name}.npy", mmap_mode="r")

        self.keys = load("keys")
        self.offsets = load("offsets")
        self.doc_by_doc = load("doc_by_doc")
        self.impact_by_doc = load("impact_by_doc")
        self.doc_by_impact = load("doc_by_impact")
        self.impact_by_impact = load("impact_by_impact")

    def postings(self, stem: str) -> Postings:
        key = np.uint64(term_hash(stem))
        at = int(np.searchsorted(self.keys, key))
        if at == len(self.keys) or self.keys[at] != key:
            return (0, 0)
        return int(self.offsets[at]), int(self.offsets[at + 1])

    def top(
        self, stems: Sequence[str], k: int, cap: int
    ) -> tuple[np.ndarray, np.ndarray, int, str]:
        """The best ``k`` papers holding every stem (ids, scores, best first), the number of
        matches (exact below ``cap``) and how it was answered."""
        lists = sorted((self.postings(stem) for stem in stems), key=lambda p: p[1] - p[0])
        if not lists or lists[0][1] == lists[0][0]:
            return np.empty(0, np.int32), np.empty(0, np.float32), 0, "none"
        if len(lists) == 1:
            start, end = lists[0]
            stop = min(end, start + k)
            docs = np.asarray(self.doc_by_impact[start:stop])
            return docs, np.asarray(self.impact_by_impact[start:stop]), end - start, "one word"
        if lists[0][1] - lists[0][0] <= FULL_WALK:
            docs, scores = self._intersect(lists, lists[0][0], lists[0][1])
            ranked_docs, ranked = _best(docs, scores, k)
            return ranked_docs, ranked, len(docs), "full"
        prune = self._threshold if self.strategy == "ta" else self._rarest_first
        pruned = prune(lists, k)
        if pruned is None:
            docs, scores = self._intersect(lists, lists[0][0], lists[0][1])
            ranked_docs, ranked = _best(docs, scores, k)
            return ranked_docs, ranked, len(docs), "fallback"
        return pruned[0], pruned[1], self._count(lists, cap), "pruned"

    def _lookup(self, lists: Sequence[Postings], docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``docs`` hold every word, and their scores."""
        held = np.ones(len(docs), dtype=bool)
        scores = np.zeros(len(docs), dtype=np.float32)
        for start, end in lists:
            ids = self.doc_by_doc[start:end]
            at = np.minimum(np.searchsorted(ids, docs), end - start - 1)
            hit = ids[at] == docs
            held &= hit
            scores += np.where(hit, self.impact_by_doc[start + at], np.float32(0))
        return held, scores

    def _intersect(
        self, lists: Sequence[Postings], start: int, end: int
    ) -> tuple[np.ndarray, np.ndarray]:
        docs = np.asarray(self.doc_by_doc[start:end])
        held, scores = self._lookup(lists, docs)
        return docs[held], scores[held]

    def _threshold(self, lists: Sequence[Postings], k: int) -> tuple[np.ndarray, np.ndarray] | None:
        rarest = lists[0][1] - lists[0][0]
        seen = np.empty(0, dtype=np.int32)
        best_docs = np.empty(0, dtype=np.int32)
        best_scores = np.empty(0, dtype=np.float32)
        read, block = 0, FIRST_BLOCK
        while True:
            if (read + block) * len(lists) > rarest:
                return None
            blocks = [self.doc_by_impact[s + read : min(e, s + read + block)] for s, e in lists]
            fresh = np.setdiff1d(np.concatenate(blocks), seen, assume_unique=False)
            held, scores = self._lookup(lists, fresh)
            seen = np.union1d(seen, fresh)
            best_docs, best_scores = _best(
                np.concatenate([best_docs, fresh[held]]),
                np.concatenate([best_scores, scores[held]]),
                k,
            )
            read += block
            if any(read >= e - s for s, e in lists):
                return best_docs, best_scores  # a word's every paper seen: every match seen
            bound = sum(float(self.impact_by_impact[s + read]) for s, _ in lists)
            if len(best_docs) == k and float(best_scores[-1]) > bound:
                return best_docs, best_scores
            block *= 2

    def _rarest_first(
        self, lists: Sequence[Postings], k: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The rarest word's papers in its impact order, each looked up in the other words'
        lists, until the k-th best beats the next one's impact plus the other words' highest
        impacts (every match holds the rarest word, so no look-up misses for want of it)."""
        (start, end), others = lists[0], lists[1:]
        ceiling = sum(float(self.impact_by_impact[s]) for s, _ in others)
        best_docs = np.empty(0, dtype=np.int32)
        best_scores = np.empty(0, dtype=np.float32)
        read, block = 0, FIRST_BLOCK * 16
        while True:
            stop = min(end, start + read + block)
            docs = np.asarray(self.doc_by_impact[start + read : stop])
            held, scores = self._lookup(others, docs)
            scores += np.asarray(self.impact_by_impact[start + read : stop])
            best_docs, best_scores = _best(
                np.concatenate([best_docs, docs[held]]),
                np.concatenate([best_scores, scores[held]]),
                k,
            )
            read = stop - start
            if stop == end:
                return best_docs, best_scores
            bound = float(self.impact_by_impact[stop]) + ceiling
            if len(best_docs) == k and float(best_scores[-1]) > bound:
                return best_docs, best_scores
            block *= 2

    def _count(self, lists: Sequence[Postings], cap: int) -> int:
        start, end = lists[0]
        found = 0
        for chunk in range(start, end, COUNT_CHUNK):
            docs = np.asarray(self.doc_by_doc[chunk : min(end, chunk + COUNT_CHUNK)])
            found += int(self._lookup(lists[1:], docs)[0].sum())
            if found >= cap:
                return cap
        return found


def _best(docs: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best, highest score first, the lowest id first among equal scores."""
    if len(docs) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= kth
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:k]
    return docs[order], scores[order]
