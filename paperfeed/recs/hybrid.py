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
    keep: int = 100
    min_readers: int = 3
    content_weight: float = 0.1
    citation_weight: float = 0.02


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
    ``weights[i]``."""

    sources: np.ndarray
    targets: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, rows: Iterable[tuple[int, np.ndarray, np.ndarray]]) -> Edges:
        """From (source, its targets, their weights) per source paper."""
        parts = [(s, np.asarray(t, np.int64), np.asarray(w, np.float64)) for s, t, w in rows]
        if not parts:
            empty = np.zeros(0, np.int64)
            return cls(empty, empty, np.zeros(0, np.float64))
        return cls(
            np.concatenate([np.full(len(t), s, np.int64) for s, t, _ in parts]),
            np.concatenate([t for _, t, _ in parts]),
            np.concatenate([w for _, _, w in parts]),
        )


@dataclass(frozen=True, slots=True)
class Ranked:
    target: int
    score: float
    # The reader's paper that contributed most, and through which graph ("collaborative" or
    # "content"): what the explanation names.
    because: int
    via: str


def _sums(edges: Edges, exclude: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per target: the summed weight (over positive edges) and the source of the largest edge."""
    keep = (edges.weights > 0) & ~np.isin(edges.targets, exclude)
    sources, targets, weights = edges.sources[keep], edges.targets[keep], edges.weights[keep]
    if not len(targets):
        empty = np.zeros(0, np.int64)
        return empty, np.zeros(0, np.float64), empty
    unique, inverse = np.unique(targets, return_inverse=True)
    totals = np.bincount(inverse, weights=weights, minlength=len(unique))
    # The largest edge into each target: sort by (target, weight) and take each group's last.
    order = np.lexsort((weights, inverse))
    last = np.r_[np.flatnonzero(np.diff(inverse[order])), len(order) - 1]
    return unique, totals, sources[order[last]]


def rank_for_reader(
    *,
    collaborative: Edges,
    content: Edges,
    content_weight: float,
    exclude: Iterable[int],
    limit: int,
) -> list[Ranked]:
    """One reader's best papers from the edges out of their own papers (the serving path).

    Each graph's sums are divided by their best value, as :func:`blend_scores` does for a batch.
    Ties break by the lower paper id, so the order never depends on the database's row order.
    """
    excluded = np.fromiter(exclude, dtype=np.int64)
    scores: dict[int, float] = {}
    parts: dict[int, tuple[float, int, str]] = {}
    for via, edges, weight in (
        ("collaborative", collaborative, 1.0),
        ("content", content, content_weight),
    ):
        targets, totals, best = _sums(edges, excluded)
        if not len(targets) or weight <= 0:
            continue
        totals = weight * totals / totals.max()
        for target, value, source in zip(
            targets.tolist(), totals.tolist(), best.tolist(), strict=True
        ):
            scores[target] = scores.get(target, 0.0) + value
            if value > parts.get(target, (0.0, -1, ""))[0]:
                parts[target] = (value, source, via)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[: max(0, limit)]
    return [Ranked(t, s, because=parts[t][1], via=parts[t][2]) for t, s in ranked]
