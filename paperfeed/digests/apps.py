from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from paperfeed.core.scheduler import Job


def scheduled_jobs() -> list[Job]:
    """The digest send."""
    # Imported here: the scheduler module imports core's models, and this module is loaded
    # before they are.
    from paperfeed.core.scheduler import Job

    return [
        # Each subscriber has their own send time and time zone: look every 5 minutes.
        Job(
            name="digests-send",
            task_path="paperfeed.digests.tasks.send_due_digests",
            every=timedelta(minutes=5),
        ),
    ]


def outbox_health() -> dict[str, Any]:
    """The outbox's ``/healthz`` entry, its module imported when asked: the digests selectors
    bring trending's and the papers services with them, which most processes never use."""
    from paperfeed.digests.selectors import outbox_health

    return outbox_health()


class DigestsConfig(AppConfig):
    name = "paperfeed.digests"
    label = "digests"
    verbose_name = "Email digests"

    def ready(self) -> None:
        # Imported here: these modules import models, not loadable before ready.
        from paperfeed.core.health import health_register
        from paperfeed.core.scheduler import jobs_register

        jobs_register(app=self.label, jobs=scheduled_jobs)
        health_register(name="outbox", check=outbox_health)
