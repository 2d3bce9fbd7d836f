"""Background tasks of the trending app (run by the worker, fired by the scheduler)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from paperfeed.trending import links, scores, stars


@task()
def stars_refresh_task() -> dict[str, Any]:
    """Snapshot star counts within the configured request budget."""
    with stars.github_client() as client:
        return stars.stars_refresh(client=client).as_dict()


@task()
def trending_recompute_task() -> dict[str, Any]:
    run = scores.trending_scores_recompute()
    return {"scores": run.scores_stored, "seconds": run.duration_seconds}


@task()
def code_links_scan_task() -> dict[str, Any]:
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
    return {"papers": len(paper_ids), "changed": links.code_links_find(paper_ids=paper_ids)}
