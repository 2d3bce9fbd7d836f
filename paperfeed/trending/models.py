from __future__ import annotations

from django.db import models

from paperfeed.papers.models import Paper


class Repository(models.Model):
    """A code repository some paper links to, keyed by its normal form ``host/owner/repo``."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        GONE = "gone", "deleted, private or blocked"

    # The normal form of the link as papers carry it; kept after a rename so papers still match.
    key = models.CharField(max_length=300, unique=True)
    host = models.CharField(max_length=40)
    # owner/repo as the host spells it now (after a rename this differs from the key).
    full_name = models.CharField(max_length=250)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    stars = models.PositiveIntegerField(null=True, blank=True)
    # ``stars`` as last copied onto its papers' ``code_stars`` (trending/codestars.py): only
    # repositories where the two differ have papers to update.
    stars_synced = models.PositiveIntegerField(null=True, blank=True, editable=False)
    etag = models.CharField(max_length=200, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    backfilled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "repositories"
        indexes = [
            models.Index(fields=["host", "status", "last_refreshed_at"], name="repo_refresh_order")
        ]

    def __str__(self) -> str:
        return self.key


class StarSnapshot(models.Model):
    """The star count of one repository at one moment."""

    class Source(models.TextChoices):
        API = "api", "GitHub repository API"
        BACKFILL = "backfill", "stargazer timestamps"
        IMPORT = "import", "imported file"

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField()
    stars = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.API)

    class Meta:
        ordering = ["repository", "taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["repository", "taken_at", "source"], name="starsnapshot_once"
            )
        ]
        indexes = [models.Index(fields=["taken_at"], name="starsnapshot_by_time")]

    def __str__(self) -> str:
        return f"{self.repository_id}: {self.stars} at {self.taken_at:%Y-%m-%d %H:%M}"


class UpvoteSnapshot(models.Model):
    """A paper's upvote count at a source (e.g. HF) when we imported it."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="upvote_snapshots")
    taken_at = models.DateTimeField()
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=20)

    class Meta:
        ordering = ["paper", "taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "source", "taken_at"], name="upvotesnapshot_once"
            )
        ]
        indexes = [models.Index(fields=["taken_at"], name="upvotesnapshot_by_time")]

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.count} at {self.taken_at:%Y-%m-%d %H:%M} ({self.source})"


class TrendingScore(models.Model):
    """A paper's stored score for one window, written in bulk by the recompute task."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+", db_index=False)
    window = models.CharField(max_length=5)
    score = models.FloatField()
    # Every number the score is made of (ranking.Breakdown.as_dict()).
    components = models.JSONField(default=dict)
    has_code = models.BooleanField(default=False)
    computed_at = models.DateTimeField()
    # The moment the score is "as of": the newest signal, never after the computation time.
    as_of = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["window", "paper"], name="trendingscore_once")
        ]
        indexes = [
            models.Index(fields=["window", "-score", "-paper"], name="trendingscore_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} {self.window}: {self.score:.3f}"


class TrendingRun(models.Model):
    """One recompute of the stored scores: when, as of when, how long, how many."""

    computed_at = models.DateTimeField()
    as_of = models.DateTimeField()
    # The past day `paperfeed stars recompute --as-of` replayed; None for a run as of now.
    replay_of = models.DateField(null=True, blank=True)
    duration_seconds = models.FloatField()
    papers_considered = models.PositiveIntegerField()
    scores_stored = models.PositiveIntegerField()
    # The parameters used (ranking.ScoreParams), so the about page can show what produced them.
    params = models.JSONField(default=dict)

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"trending run at {self.computed_at:%Y-%m-%d %H:%M}"
