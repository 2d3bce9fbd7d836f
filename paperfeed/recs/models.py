"""What the recommender stores in the database: papers a reader hid, the key of each reader's
private feed, and the record of each training run. The model itself is on disk (store.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from paperfeed.papers.models import Paper


class HiddenPaper(models.Model):
    """A paper the reader never wants recommended again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hidden_recommendations"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="hidden_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} hid {self.paper_id}"


class FeedKey(models.Model):
    """The private for-you feed's key: the feed's address is signed over (user, generation),
    so no secret is stored and revoking bumps the generation, which kills every old address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recs_feed_key"
    )
    generation = models.PositiveIntegerField(default=1)
    enabled = models.BooleanField(default=True)
    changed = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feed key of {self.user_id} (#{self.generation}, {'on' if self.enabled else 'off'})"


class TrainingRun(models.Model):
    """One training of the collaborative model (``paperfeed recs train`` or the worker)."""

    started = models.DateTimeField()
    seconds = models.FloatField(default=0)
    readers = models.PositiveIntegerField(default=0)
    papers = models.PositiveIntegerField(default=0)
    signals = models.PositiveIntegerField(default=0)
    links = models.PositiveIntegerField(default=0)
    peak_mb = models.FloatField(default=0)
    build = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started", "-id"]

    def __str__(self) -> str:
        return f"training {self.started:%Y-%m-%d %H:%M} ({self.papers} papers)"
