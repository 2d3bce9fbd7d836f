from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate

if TYPE_CHECKING:
    from django.apps.registry import Apps

    from paperfeed.core.scheduler import Job


def scheduled_jobs() -> list[Job]:
    """The hourly AI summaries, only when a language model is configured (PAPERFEED_LLM_URL
    and PAPERFEED_LLM_MODEL): its daily budget spreads over the day."""
    # Imported here: the scheduler module imports core's models, loaded after this module.
    from paperfeed.core.scheduler import Job

    if not (settings.PAPERFEED_LLM_URL and settings.PAPERFEED_LLM_MODEL):
        return []
    return [
        Job(
            name="papers-ai-summaries",
            task_path="paperfeed.papers.tasks.summaries_ai_task",
            every=timedelta(hours=1),
        )
    ]


def clear_search_if_catalogue_empty(**kwargs: object) -> None:
    """``search.clear_if_catalogue_empty`` after migrate and flush, its module imported then:
    it brings the search index code (tantivy), which most processes never use."""
    from paperfeed.papers import search

    search.clear_if_catalogue_empty(**kwargs)


def restore_deferred_indexes(*, apps: Apps | None = None, **_: object) -> None:
    """After migrate (and flush, which gives no ``apps``): the secondary indexes an import
    killed during a first load set aside (papers/bulk_indexes.py), as the migrated state
    declares them, built if missing."""
    from paperfeed.papers import bulk_indexes

    try:
        bulk_indexes.restore(apps) if apps is not None else bulk_indexes.restore()
    except LookupError:
        return  # migrated to before the catalogue's tables existed


class PapersConfig(AppConfig):
    name = "paperfeed.papers"
    label = "papers"
    verbose_name = "Papers"

    def ready(self) -> None:
        from paperfeed.core.scheduler import jobs_register

        jobs_register(app=self.label, jobs=scheduled_jobs)
        post_migrate.connect(clear_search_if_catalogue_empty, sender=self)
        post_migrate.connect(restore_deferred_indexes, sender=self)
        # What a member's kept paper page shows beyond the paper's row: read to keep it longer.
        from paperfeed.papers import shown_parts

        shown_parts.register()
