from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.conf import settings

if TYPE_CHECKING:
    from paperfeed.core.scheduler import Job


def scheduled_jobs() -> list[Job]:
    """The collaborative model's retraining."""
    # Imported here: the scheduler module imports core's models, loaded after this module.
    from paperfeed.core.scheduler import Job

    return [
        Job(
            name="recs-train",
            task_path="paperfeed.recs.tasks.recs_train_task",
            every=timedelta(minutes=max(settings.PAPERFEED_RECS_TRAIN_MINUTES, 1)),
        )
    ]


class RecsConfig(AppConfig):
    name = "paperfeed.recs"
    label = "recs"

    def ready(self) -> None:
        from paperfeed.core.scheduler import jobs_register

        jobs_register(app=self.label, jobs=scheduled_jobs)
