"""Rank fusion (papers/similar/fusion.py). No database."""

from __future__ import annotations

from paperfeed.papers.similar import fusion


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = fusion.reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]])
    assert fused[0] == 1 and fused[1] == 3
    assert set(fused) == {1, 2, 3, 4}
    assert fusion.reciprocal_rank_fusion([[], []]) == []
