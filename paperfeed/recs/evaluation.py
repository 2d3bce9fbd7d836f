"""Held-out evaluation of recommenders: a seeded split, recall@k and nDCG@k. Pure, no Django.

The split holds out 20 % of each library with at least 5 items (rounded half up, at least one),
chosen by seeded random keys drawn user by user in order, so one seed always gives the same
split on any machine (numpy's PCG64 stream of doubles is stable). Smaller libraries stay whole in
the training data and are not scored. Items a user trained on are never recommended back.

recall@k = hits in the top k / held-out items; nDCG@k = DCG of the top k over the DCG of an ideal
list (min(k, held-out) hits first), with gain 1 / log2(rank + 1). Both are averaged over users.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

HOLDOUT = 0.2
MIN_ITEMS = 5
K = 20


@dataclass(frozen=True)
class Split:
    train: sparse.csr_matrix  # users x items, 0/1
    test_users: np.ndarray  # rows of ``train`` that are scored
    test_items: list[np.ndarray]  # held-out items of each scored user, in order


def holdout_count(n: int, *, share: float = HOLDOUT) -> int:
    return max(1, math.floor(share * n + 0.5))


def split_libraries(
    libraries: list[np.ndarray],
    *,
    n_items: int,
    seed: int = 0,
    share: float = HOLDOUT,
    min_items: int = MIN_ITEMS,
) -> Split:
    """Hold out ``share`` of each library of at least ``min_items`` items, seeded."""
    rng = np.random.default_rng(seed)
    rows: list[np.ndarray] = []
    test_users: list[int] = []
    test_items: list[np.ndarray] = []
    for user, items in enumerate(libraries):
        items = np.unique(np.asarray(items, dtype=np.int32))
        if len(items) < min_items:
            rows.append(items)
            continue
        order = np.argsort(rng.random(len(items)), kind="stable")
        held = holdout_count(len(items), share=share)
        test_users.append(user)
        test_items.append(np.sort(items[order[:held]]))
        rows.append(np.sort(items[order[held:]]))
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    indices = np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, np.int32)
    train = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), n_items)
    )
    return Split(
        train=train, test_users=np.asarray(test_users, dtype=np.int64), test_items=test_items
    )


def top_k(scores: np.ndarray, seen: sparse.csr_matrix, k: int = K) -> np.ndarray:
    """The k best items of each row of ``scores``, best first, never an item already seen
    (-1 fills a row once the unseen items run out).

    Ties break by the lower item id, so a ranking never depends on the sort's whims.
    """
    scores = np.array(scores, dtype=np.float64, copy=True)
    rows, cols = seen.nonzero()
    scores[rows, cols] = -np.inf
    k = min(k, scores.shape[1])
    # Sort on (-score, item): stable ordering of ties.
    candidates = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < scores.shape[1] else None
    if candidates is None:
        candidates = np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
    # Widen to every item tied with the k-th so the tie rule sees them all.
    result = np.empty((scores.shape[0], k), dtype=np.int64)
    for row in range(scores.shape[0]):
        kth = scores[row, candidates[row]].min()
        pool = np.flatnonzero(scores[row] >= kth)
        order = np.lexsort((pool, -scores[row, pool]))
        best = pool[order[:k]]
        # Fewer unseen items than k: the list is shorter, padded with -1 (never an item).
        result[row] = np.where(np.isneginf(scores[row, best]), -1, best)
    return result


def recall_ndcg(ranked: np.ndarray, held_out: np.ndarray, k: int = K) -> tuple[float, float]:
    """recall@k and nDCG@k of one ranked list against one user's held-out items."""
    hits = np.isin(ranked[:k], held_out)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    hits = np.pad(hits, (0, k - len(hits)))
    dcg = float(discounts[hits].sum())
    ideal = float(discounts[: min(k, len(held_out))].sum())
    return float(hits.sum()) / len(held_out), dcg / ideal


Scorer = Callable[[sparse.csr_matrix], np.ndarray]


def evaluate(split: Split, scorer: Scorer, *, k: int = K, batch: int = 1024) -> dict[str, float]:
    """Mean recall@k and nDCG@k of ``scorer`` (training rows → item scores) over the split."""
    recalls: list[float] = []
    ndcgs: list[float] = []
    for start in range(0, len(split.test_users), batch):
        users = split.test_users[start : start + batch]
        seen = split.train[users]
        ranked = top_k(scorer(seen), seen, k)
        for row, user_index in enumerate(range(start, start + len(users))):
            recall, ndcg = recall_ndcg(ranked[row], split.test_items[user_index], k)
            recalls.append(recall)
            ndcgs.append(ndcg)
    if not recalls:
        return {"recall": 0.0, "ndcg": 0.0}
    return {"recall": float(np.mean(recalls)), "ndcg": float(np.mean(ndcgs))}
