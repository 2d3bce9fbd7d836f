from __future__ import annotations

from django.db import models


class IngestRun(models.Model):
    """One run of an importer: what it was asked, how far it got and what it rejected."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        DRY_RUN = "dry_run"
        # Its process is gone (killed, host down) without saying how it ended.
        ABANDONED = "abandoned"

    source = models.CharField(max_length=40)
    parameters = models.JSONField(default=dict, blank=True)
    # Where to resume an interrupted run (an OAI resumption token, a file offset, ...).
    cursor = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # The first rejections, with their reasons: [{"id": ..., "reason": ..., "location": ...}].
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    # How a run proves it is alive (paperfeed.core.liveness): its process, and its last batch.
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    beat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="ingestrun_by_source")]

    def __str__(self) -> str:
        return f"{self.source} run {self.pk} ({self.status})"
