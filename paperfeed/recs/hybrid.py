"""paperfeed's recommender: collaborative neighbours from EASE, plus content neighbours, blended
per reader. Pure numpy/scipy, no Django: the site trains it on members' signals, and
``paperfeed recs evaluate`` measures the same code on CiteULike.

Training keeps, for each paper, its ``keep`` strongest EASE weights (a sparse items x items
matrix that the site stores as rows and serves with one indexed query). A paper enters the
collaborative model only when at least ``min_readers`` readers signalled it, so a pairing seen
in one or two libraries never surfaces anyone's choice (docs/privacy.md).

A reader's score for a paper is ``c / max c + Σ wₖ · sₖ / max sₖ``: the collaborative score and
each side graph's score (content neighbours, citations), each divided by its best value for that
reader, so the blend weights mean the same for a reader of 5 papers and one of 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from paperfeed.recs import algorithms


@dataclass(frozen=True)
class Config:
    l2: float = 60.0
    keep: int = 1000
    min_readers: int = 3
    content_weight: float = 0.25
    # CiteULike's citation links (the site has none): measured best at 0.06 beside 0.25.
    citation_weight: float = 0.06


def collaborative_fit(train: sparse.csr_matrix, *, config: Config) -> sparse.csr_matrix:
    """Pruned EASE weights over the papers with at least ``min_readers`` readers."""
    counts = np.asarray((train > 0).sum(axis=0)).ravel()
    kept = np.flatnonzero(counts >= config.min_readers)
    n_items = train.shape[1]
    if len(kept) < 2:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    sub = train[:, kept]
    active = np.flatnonzero(np.asarray(sub.sum(axis=1)).ravel() > 0)
    weights = algorithms.ease_neighbours(sub[active], l2=config.l2, keep=config.keep).tocoo()
    return sparse.csr_matrix(
        (weights.data, (kept[weights.row], kept[weights.col])), shape=(n_items, n_items)
    )


def _row_max_normalised(scores: np.ndarray) -> np.ndarray:
    top = scores.max(axis=1, keepdims=True) if scores.shape[1] else np.zeros((len(scores), 1))
    top[top <= 0] = 1.0
    return scores / top


def blend_scores(
    rows: sparse.csr_matrix,
    *,
    collaborative: sparse.csr_matrix,
    side: Sequence[tuple[sparse.csr_matrix, float]] = (),
) -> np.ndarray:
    """Scores of every item for each reader row (a batch of readers at once)."""
    total = _row_max_normalised((rows @ collaborative).toarray())
    for graph, weight in side:
        if weight:
            total += weight * _row_max_normalised((rows @ graph).toarray())
    return total


@dataclass(frozen=True, slots=True)
class Edges:
    """Edges out of one reader's papers: ``sources[i]`` recommends ``targets[i]``, by
    ``weights[i]``. With ``ids``, targets are positions into ``ids`` (the stored model's
    numbering), which lets the serving path sum them without sorting."""

    sources: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    ids: np.ndarray | None = None

    @classmethod
    def of(
        cls, rows: Iterable[tuple[int, np.ndarray, np.ndarray]], *, ids: np.ndarray | None = None
    ) -> Edges:
        """From (source, its targets, their weights) per source paper."""
        parts = [(s, np.asarray(t, np.int64), np.asarray(w, np.float64)) for s, t, w in rows]
        parts = [part for part in parts if len(part[1])]
        if not parts:
            empty = np.zeros(0, np.int64)
            return cls(empty, empty, np.zeros(0, np.float64), ids)
        return cls(
            np.concatenate([np.full(len(t), s, np.int64) for s, t, _ in parts]),
            np.concatenate([t for _, t, _ in parts]),
            np.concatenate([w for _, _, w in parts]),
            ids,
        )

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """(target paper ids, summed positive weight) over every target."""
        keep = self.weights > 0
        targets, weights = self.targets[keep], self.weights[keep]
        if self.ids is not None:
            sums = np.bincount(targets, weights=weights, minlength=len(self.ids))
            where = np.flatnonzero(sums > 0)
            return np.asarray(self.ids[where], dtype=np.int64), sums[where]
        unique, inverse = np.unique(targets, return_inverse=True)
        return unique, np.bincount(inverse, weights=weights, minlength=len(unique))

    def strongest_sources(self, paper_ids: np.ndarray) -> dict[int, int]:
        """For each of ``paper_ids`` reached by an edge: the source of its largest edge."""
        wanted = paper_ids
        if self.ids is not None:
            wanted = np.flatnonzero(np.isin(np.asarray(self.ids), paper_ids))
        keep = (self.weights > 0) & np.isin(self.targets, wanted)
        sources, targets, weights = self.sources[keep], self.targets[keep], self.weights[keep]
        if not len(targets):
            return {}
        order = np.lexsort((-sources, weights, targets))
        last = np.r_[np.flatnonzero(np.diff(targets[order])), len(order) - 1]
        chosen_targets = targets[order[last]]
        if self.ids is not None:
            chosen_targets = np.asarray(self.ids[chosen_targets])
        return dict(zip(chosen_targets.tolist(), sources[order[last]].tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class Ranked:
    target: int
    score: float
    # The reader's paper that contributed most, and through which graph ("collaborative" or
    # "content"): what the explanation names.
    because: int
    via: str


def rank_for_reader(
    *,
    collaborative: Edges,
    content: Edges,
    content_weight: float,
    exclude: Iterable[int],
    limit: int,
    only: Iterable[int] | None = None,
) -> list[Ranked]:
    """One reader's best papers from the edges out of their own papers (the serving path).

    Each graph's sums are divided by their best value, as :func:`blend_scores` does for a batch;
    then the excluded papers (the reader's own, the hidden) are left out, and with ``only``
    every paper not in it. Ties break by the
    lower paper id, so the order never depends on the database's row order. Vectorised: the
    cost is linear in the edges read, with no Python loop over them.
    """
    parts = []
    for edges, weight in ((collaborative, 1.0), (content, content_weight)):
        ids, sums = edges.totals()
        if len(sums) and weight > 0:
            parts.append((ids, weight * sums / sums.max()))
        else:
            parts.append((np.zeros(0, np.int64), np.zeros(0, np.float64)))
    (c_ids, c_sums), (t_ids, t_sums) = parts
    ids = np.concatenate([c_ids, t_ids])
    if not len(ids) or limit <= 0:
        return []
    unique, inverse = np.unique(ids, return_inverse=True)
    scores = np.bincount(inverse, weights=np.concatenate([c_sums, t_sums]))
    collab_part = np.bincount(inverse[: len(c_ids)], weights=c_sums, minlength=len(unique))
    keep = ~np.isin(unique, np.fromiter(exclude, dtype=np.int64))
    if only is not None:
        keep &= np.isin(unique, np.fromiter(only, dtype=np.int64))
    unique, scores, collab_part = unique[keep], scores[keep], collab_part[keep]
    if len(unique) > limit:
        kth = np.partition(-scores, limit - 1)[limit - 1]
        pool = np.flatnonzero(-scores <= kth)
    else:
        pool = np.arange(len(unique))
    order = pool[np.lexsort((unique[pool], -scores[pool]))][:limit]
    chosen = unique[order]
    via_collab = collab_part[order] * 2 >= scores[order]  # the larger of the two parts
    by_collab = collaborative.strongest_sources(chosen[via_collab])
    by_content = content.strongest_sources(chosen[~via_collab])
    return [
        Ranked(
            target=int(target),
            score=float(score),
            because=by_collab[int(target)] if collab else by_content[int(target)],
            via="collaborative" if collab else "content",
        )
        for target, score, collab in zip(chosen, scores[order], via_collab, strict=True)
    ]
