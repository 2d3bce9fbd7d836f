"""Background tasks of the trending app (run by the worker, fired by the scheduler)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

# Each task imports the modules it runs: the importer enqueues ``code_links_find_task`` after
# every batch, and importing the link finder and the star client here (httpx with it) cost
# every ``paperfeed ingest`` ~0.3 s of CPU for work only the worker does.


@task()
def stars_refresh_task() -> dict[str, Any]:
    """Snapshot star counts within the configured request budget."""
    from paperfeed.trending import stars

    with stars.github_client() as client:
        return stars.stars_refresh(client=client).as_dict()


@task()
def trending_recompute_task() -> dict[str, Any]:
    from paperfeed.trending import scores

    run = scores.trending_scores_recompute()
    return {"scores": run.scores_stored, "seconds": run.duration_seconds}


@task()
def code_links_scan_task() -> dict[str, Any]:
    from paperfeed.trending import links, stars

    summary = links.code_links_scan()
    stars.repositories_sync()
    return {
        "scanned": summary.scanned,
        "linked": summary.linked,
        "dropped": summary.dropped,
        "pages": summary.pages,
    }


@task()
def code_links_find_task(*, paper_ids: list[int]) -> dict[str, Any]:
    """Code links and project pages of the papers an import batch created or changed."""
    from paperfeed.trending import links

    return {"papers": len(paper_ids), "changed": links.code_links_find(paper_ids=paper_ids)}
