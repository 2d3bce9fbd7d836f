"""Ingest's reactions to catalogue writes (connected in ``IngestConfig.ready``)."""

from __future__ import annotations

from typing import Any

from paperfeed.papers.signals import FeaturedWrite

# ``thumbnails_queue`` is imported when a receiver runs: this module is imported at every start
# (``IngestConfig.ready``), and the tasks module brings the fetchers and httpx (~0.2 s of CPU)
# that a command which features nothing never uses.


def thumbnails_for_featured(*, featured: list[FeaturedWrite], **_: Any) -> None:
    """The worker renders the first page of the papers a batch featured (queued: each PDF is
    a request to arXiv, at most one every 3 s, far slower than the import)."""
    if not featured:
        return  # a listing's batch: nothing featured, and no tasks module to import for it
    from paperfeed.ingest.tasks import thumbnails_queue

    thumbnails_queue(paper_ids=(paper_id for paper_id, *_rest in featured))


def thumbnail_for_curated(*, paper_id: int, **_: Any) -> None:
    """The same for a paper a curator or a member featured by hand."""
    from paperfeed.ingest.tasks import thumbnails_queue

    thumbnails_queue(paper_ids=[paper_id])
