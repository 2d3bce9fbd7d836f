"""Background tasks of the recommender (run by the worker, fired by the scheduler)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from paperfeed.recs import services


@task()
def recs_train_task() -> dict[str, Any]:
    run = services.model_train()
    return {"papers": run.papers, "readers": run.readers, "seconds": run.seconds}
