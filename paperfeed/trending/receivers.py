"""Trending's reactions to catalogue writes (connected in ``TrendingConfig.ready``)."""

from __future__ import annotations

from typing import Any

from paperfeed.papers.signals import FeaturedWrite
from paperfeed.trending.services import upvotes_record_featured


def record_imported_upvotes(*, featured: list[FeaturedWrite], **_: Any) -> None:
    """Upvote history for trending: one snapshot per imported featured count."""
    if featured:
        upvotes_record_featured(entries=featured)
