from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.conf import settings

if TYPE_CHECKING:
    from paperfeed.core.scheduler import Job


def scheduled_jobs() -> list[Job]:
    """The daily import, the hourly completion of papers without an abstract, and the hourly
    thumbnails of featured papers still without one (a run stopped early, a retry now due)."""
    # Imported here: the scheduler module imports core's models, and this module is loaded
    # before they are.
    from paperfeed.core.scheduler import Job

    return [
        Job(
            name="ingest-daily",
            task_path="paperfeed.ingest.tasks.daily_import",
            daily_at_hour=settings.PAPERFEED_IMPORT_HOUR_UTC,
        ),
        # Papers imported without an abstract (HF listings): a few arXiv requests an hour.
        Job(
            name="ingest-complete",
            task_path="paperfeed.ingest.tasks.complete_papers",
            every=timedelta(hours=1),
        ),
        Job(
            name="ingest-thumbnails",
            task_path="paperfeed.ingest.tasks.thumbnails_build_task",
            every=timedelta(hours=1),
        ),
    ]


def runs_abandon() -> int:
    """The liveness sweep of abandoned import runs (``ingest_runs_abandon``).

    Its module is imported when the sweep runs, not in ready(): the ingest services bring the
    papers services and the search index code (tantivy), which most processes never use.
    """
    from paperfeed.ingest.services import ingest_runs_abandon

    return ingest_runs_abandon()


class IngestConfig(AppConfig):
    name = "paperfeed.ingest"
    label = "ingest"
    verbose_name = "Ingestion"

    def ready(self) -> None:
        # Imported here: these modules import models, not loadable before ready.
        from paperfeed.core.liveness import sweep_register
        from paperfeed.core.scheduler import jobs_register
        from paperfeed.ingest.receivers import thumbnail_for_curated, thumbnails_for_featured
        from paperfeed.papers.signals import paper_featured, papers_imported

        jobs_register(app=self.label, jobs=scheduled_jobs)
        sweep_register(app=self.label, sweep=runs_abandon)
        papers_imported.connect(thumbnails_for_featured, dispatch_uid="ingest.thumbnails")
        paper_featured.connect(thumbnail_for_curated, dispatch_uid="ingest.thumbnail")
