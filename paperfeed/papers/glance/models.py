"""A paper at a glance: its key phrases and its one-line summaries, kept beside the paper."""

from __future__ import annotations

from django.db import models


class PaperGlance(models.Model):
    """Keywords and the one-line summary taken from the abstract, computed offline for every
    paper; and, when an operator configures a language model, the sentence it wrote.

    ``text_key`` names the title and abstract both were computed from, so a new version with a
    new abstract is computed again, and an AI summary written for an older text is not shown.
    The card reads this row with the paper (``papers.row_selectors.rows_for``).
    """

    class AiState(models.TextChoices):
        NONE = "", "not asked"
        DONE = "done", "written"
        FAILED = "failed", "failed"

    paper = models.OneToOneField(
        "papers.Paper", on_delete=models.CASCADE, primary_key=True, related_name="glance"
    )
    keywords = models.JSONField(default=list, blank=True)
    # The abstract's sentence that states the contribution (papers/glance/contribution.py);
    # "" when no sentence states one.
    summary = models.TextField(blank=True)
    text_key = models.CharField(max_length=32)
    computed_at = models.DateTimeField()
    # The extractors' version (`compute.GLANCE_VERSION`) the keywords and summary were made by:
    # rows of an older one are computed again. Rows from before the stamp were YAKE's (1).
    version = models.PositiveSmallIntegerField(default=1)
    # The language model's sentence, for the text named by ``ai_text_key``.
    ai_summary = models.TextField(blank=True)
    ai_text_key = models.CharField(max_length=32, blank=True)
    ai_model = models.CharField(max_length=200, blank=True)
    ai_state = models.CharField(max_length=8, choices=AiState.choices, blank=True, default="")
    ai_reason = models.CharField(max_length=300, blank=True)
    # Every request counts against the day's budget, answered or not.
    ai_attempted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ai_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["computed_at"], name="glance_computed")]

    def __str__(self) -> str:
        return f"{self.paper_id}: {', '.join(self.keywords)}"

    @property
    def ai_current(self) -> bool:
        """Whether the AI summary was written for the paper's current title and abstract."""
        return ai_summary_current(self.ai_state, self.ai_summary, self.ai_text_key, self.text_key)


def ai_summary_current(ai_state: str, ai_summary: str, ai_text_key: str, text_key: str) -> bool:
    """:attr:`PaperGlance.ai_current` of a glance's columns (a statement's plain values)."""
    return bool(ai_state == PaperGlance.AiState.DONE and ai_summary and ai_text_key == text_key)


class SummaryBudget(models.Model):
    """Requests made to the language model on one UTC day, claimed one at a time with an atomic
    increment, so several workers on several hosts share one daily budget."""

    day = models.DateField(unique=True)
    requests = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.requests}"
