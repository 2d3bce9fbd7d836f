"""Background tasks of the ingest app (run by the worker, fired by the scheduler)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django_tasks import task

from paperfeed.ingest import sources
from paperfeed.ingest.fetchers import FetchError
from paperfeed.ingest.thumbnails import thumbnails_build

logger = logging.getLogger(__name__)


@task()
def daily_import() -> dict[str, str]:
    """Import the last days of the configured categories from arXiv and the HF daily list.

    Offline or upstream trouble is logged once as a warning; the site keeps serving what it has.
    """
    today = date.today()
    outcome = {}
    jobs = {
        "arxiv_api": lambda: sources.papers_import_arxiv(
            categories=settings.PAPERFEED_CATEGORIES,
            submitted_from=today - timedelta(days=3),
            submitted_until=today,
        ),
        "hf_daily": lambda: sources.papers_import_hf_daily(days=[today - timedelta(days=1), today]),
    }
    for name, job in jobs.items():
        try:
            run = job()
            outcome[name] = f"{run.new} new, {run.updated} updated, {run.rejected} rejected"
        except FetchError as exc:
            logger.warning("daily import from %s skipped: %s", name, exc)
            outcome[name] = f"skipped: {exc}"
    return outcome


@task()
def complete_papers() -> str:
    """Fill in papers imported without an abstract from the arXiv API (papers_complete)."""
    try:
        run = sources.papers_complete(limit=settings.PAPERFEED_COMPLETE_PER_RUN)
    except FetchError as exc:
        logger.warning("completing papers from arXiv skipped: %s", exc)
        return f"skipped: {exc}"
    if run is None:
        return "nothing to complete"
    return f"{run.updated} completed, {run.unchanged} unchanged, {run.rejected} rejected"


@task()
def thumbnails_build_task(paper_ids: list[int] | None = None) -> str:
    """Render missing first-page thumbnails: of ``paper_ids`` (the featured papers an import
    just wrote), or, on the hourly run, of up to PAPERFEED_THUMBNAILS_PER_RUN featured papers."""
    if not settings.PAPERFEED_THUMBNAILS:
        return "thumbnails are off (PAPERFEED_THUMBNAILS)"
    run = thumbnails_build(
        limit=len(paper_ids) if paper_ids is not None else settings.PAPERFEED_THUMBNAILS_PER_RUN,
        featured_only=True,
        paper_ids=paper_ids,
    )
    if run.stopped:
        logger.warning("thumbnails: %s", run.summary())
    return run.summary()


def thumbnails_queue(*, paper_ids: Iterable[int]) -> None:
    """Have the worker render these papers' first pages (just featured: by an import, a
    curator or a member's submission), once the caller's transaction commits."""
    ids = list(dict.fromkeys(paper_ids))
    if ids and settings.PAPERFEED_THUMBNAILS:
        transaction.on_commit(lambda: thumbnails_build_task.enqueue(paper_ids=ids))
