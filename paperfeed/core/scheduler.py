"""A small cron for background tasks, safe to run in several processes at once.

Each job names a django-tasks task by import path and a period. Every tick, the scheduler works
out the job's current *slot* (e.g. "2026-11-27" for a daily job once its hour has come) and
tries to insert a ScheduledRun row for it; the unique constraint means exactly one process
enqueues each slot, however many schedulers run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from paperfeed.core.models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str
    # Either a fixed period (every N minutes) or a daily hour (UTC).
    every: timedelta | None = None
    daily_at_hour: int | None = None

    def slot(self, now: datetime) -> str | None:
        """The slot due at ``now``, or None when the job is not due yet today."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            return str(int(now.timestamp()) // seconds)
        assert self.daily_at_hour is not None
        if now.hour < self.daily_at_hour:
            return None
        return now.date().isoformat()


JobsOf = Callable[[], list[Job]]

# app label -> its jobs. Core knows no app: each app registers its own jobs from
# AppConfig.ready(), and they are listed at every tick so settings read there stay current.
_registered: dict[str, JobsOf] = {}


def jobs_register(*, app: str, jobs: JobsOf) -> None:
    """Register ``app``'s scheduled jobs; registering again replaces them (ready() may rerun)."""
    _registered[app] = jobs


def scheduled_jobs() -> list[Job]:
    """Every job the site runs, as the apps registered them."""
    return [job for jobs in _registered.values() for job in jobs()]


def scheduler_tick(*, jobs: list[Job], now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot has not been claimed yet; return their names."""
    now = now or timezone.now()
    fired = []
    for job in jobs:
        slot = job.slot(now)
        if slot is None:
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
                task = import_string(job.task_path)
                result = task.enqueue()
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another scheduler claimed this slot first
        logger.info("scheduled %s for slot %s", job.name, slot)
        fired.append(job.name)
    return fired


def run_scheduler(
    *, stop: threading.Event, interval: float = 30.0, jobs: Callable[[], list[Job]] = scheduled_jobs
) -> None:
    """Tick until ``stop`` is set. Errors are logged and the loop goes on."""
    while not stop.is_set():
        try:
            scheduler_tick(jobs=jobs())
        except Exception:
            logger.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(interval)
