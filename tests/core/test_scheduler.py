"""core/scheduler.py: jobs come from the apps that own them; each slot is enqueued once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils.module_loading import import_string

from paperfeed.core import scheduler
from paperfeed.core.models import ScheduledRun
from paperfeed.core.scheduler import Job, jobs_register, scheduled_jobs, scheduler_tick


def test_every_app_registers_its_jobs_and_each_names_a_task_of_its_own_app():
    jobs = {job.name: job for job in scheduled_jobs()}
    assert set(jobs) == {
        "ingest-daily",
        "ingest-complete",
        "ingest-thumbnails",
        "digests-send",
        "trending-stars-refresh",
        "trending-recompute",
        "trending-code-links",
        "recs-train",
    }
    for name, job in jobs.items():
        app = name.split("-", 1)[0]
        assert job.task_path.startswith(f"paperfeed.{app}.tasks."), job
        assert hasattr(import_string(job.task_path), "enqueue"), job


def test_jobs_are_read_at_each_tick_so_settings_apply(settings):
    settings.PAPERFEED_IMPORT_HOUR_UTC = 5
    daily = next(job for job in scheduled_jobs() if job.name == "ingest-daily")
    assert daily.daily_at_hour == 5
    settings.PAPERFEED_IMPORT_HOUR_UTC = 7
    daily = next(job for job in scheduled_jobs() if job.name == "ingest-daily")
    assert daily.daily_at_hour == 7


def test_registering_again_replaces_an_apps_jobs(monkeypatch):
    monkeypatch.setattr(scheduler, "_registered", {})
    first = Job(name="a", task_path="x.y", every=timedelta(minutes=1))
    second = Job(name="b", task_path="x.y", every=timedelta(minutes=1))
    jobs_register(app="demo", jobs=lambda: [first])
    jobs_register(app="demo", jobs=lambda: [second])
    assert scheduled_jobs() == [second]


@pytest.mark.django_db
def test_a_daily_job_fires_once_its_hour_has_come_and_once_per_day():
    job = Job(name="ingest-daily", task_path="paperfeed.ingest.tasks.daily_import", daily_at_hour=3)
    assert scheduler_tick(jobs=[job], now=datetime(2026, 11, 27, 2, 59, tzinfo=UTC)) == []
    assert scheduler_tick(jobs=[job], now=datetime(2026, 11, 27, 3, 0, tzinfo=UTC)) == [job.name]
    assert scheduler_tick(jobs=[job], now=datetime(2026, 11, 27, 23, 0, tzinfo=UTC)) == []
    assert scheduler_tick(jobs=[job], now=datetime(2026, 11, 28, 3, 0, tzinfo=UTC)) == [job.name]
    assert list(ScheduledRun.objects.values_list("slot", flat=True).order_by("slot")) == [
        "2026-11-27",
        "2026-11-28",
    ]
