"""digests/apps.py: the digest job the app registers with the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

from paperfeed.core.models import ScheduledRun
from paperfeed.core.scheduler import scheduled_jobs, scheduler_tick


def test_the_scheduler_fires_the_digest_job_once_per_slot(db):
    jobs = [job for job in scheduled_jobs() if job.name == "digests-send"]
    assert len(jobs) == 1 and jobs[0].every is not None
    now = datetime(2026, 11, 27, 8, 2, tzinfo=UTC)
    assert scheduler_tick(jobs=jobs, now=now) == ["digests-send"]
    assert scheduler_tick(jobs=jobs, now=now) == []
    assert ScheduledRun.objects.filter(job="digests-send").count() == 1
