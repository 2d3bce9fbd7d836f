"""Trending's reactions to catalogue writes (connected in ``TrendingConfig.ready``)."""

from __future__ import annotations

from typing import Any

from paperfeed.papers.signals import FeaturedWrite
from paperfeed.trending.services import upvotes_record_featured
from paperfeed.trending.tasks import code_links_find_task


def record_imported_upvotes(*, featured: list[FeaturedWrite], **_: Any) -> None:
    """Upvote history for trending: one snapshot per imported featured count."""
    if featured:
        upvotes_record_featured(entries=featured)


def find_imported_code_links(*, paper_ids: list[int], **_: Any) -> None:
    """The worker finds the code links and project pages of the papers a batch wrote.

    Queued rather than run here: reading every paper's text for links costs about ten times
    what the import itself spends per paper, and the importer must keep its pace.
    """
    if paper_ids:
        code_links_find_task.enqueue(paper_ids=list(paper_ids))
