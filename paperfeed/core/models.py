from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    """One firing of a scheduled job. The unique (job, slot) pair is what lets any number of
    scheduler processes, on any number of hosts, run side by side: only the first to insert the
    row for a slot enqueues the task."""

    job = models.CharField(max_length=100)
    slot = models.CharField(max_length=40)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-enqueued_at"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduledrun_once")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot}"


class Heartbeat(models.Model):
    """The last sign of life of one long-running process (a task worker): ``/healthz`` reports
    its age, and a task whose worker stopped beating is marked abandoned."""

    # The worker's id, "host:pid:random", as it claims tasks with.
    name = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
