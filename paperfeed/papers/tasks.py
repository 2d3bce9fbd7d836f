"""Background tasks of the papers app (run by the worker)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from paperfeed.papers import textindex_build

# Similar papers (scikit-learn, networkx) are imported by the tasks that use them, in the
# worker: every command that only enqueues a task (an import) would otherwise pay ~1 s of CPU
# to import them.


@task()
def similar_build_task(full: bool = False) -> dict[str, Any]:
    """Bring similar papers and the search-by-meaning index up to date (after each import)."""
    from paperfeed.papers.similar import services as similar

    return similar.similar_build(full=full).as_dict()


@task()
def search_index_update_task() -> dict[str, Any]:
    """Bring the search index up to date with the papers written since it last caught up."""
    return textindex_build.textindex_update().as_dict()


@task()
def glances_build_task(full: bool = False) -> dict[str, Any]:
    """Keywords and the abstract's one-line summary of the papers written since the last run
    (after each import); then, when a language model is configured, its sentences."""
    from paperfeed.papers.glance import services as glance

    result = glance.glances_build(full=full).as_dict()
    if glance.ai_configured():
        summaries_ai_task.enqueue()
    return result


@task()
def summaries_ai_task() -> dict[str, Any]:
    """The language model's one-line summaries still missing, within the rate and the day's
    budget (hourly, and after each import's keywords)."""
    from paperfeed.papers.glance import services as glance

    return glance.summaries_ai_write().as_dict()
