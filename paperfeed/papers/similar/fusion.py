"""Reciprocal rank fusion of several rankings into one. Pure: no Django imports."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

Item = TypeVar("Item", bound=Hashable)

# The constant of Cormack, Clarke and Buettcher (SIGIR 2009): it damps the weight of the very
# first ranks so that one list cannot dominate the fused order alone.
RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Item]], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[Item]:
    """Items of all ``rankings`` ordered by the sum of ``weight / (k + rank)`` (rank from 1).

    Ties keep the order of first appearance, earlier rankings first, so the result is stable.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[Item, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda item: -scores[item])
