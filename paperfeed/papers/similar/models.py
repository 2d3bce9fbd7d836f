"""Stored neighbour lists: a paper page reads its ``k`` rows and nothing else."""

from __future__ import annotations

from django.db import models


class SimilarPaper(models.Model):
    """``neighbour`` is the ``rank``-th most similar paper to ``paper`` (0 = most similar)."""

    # No index of its own: the unique (paper, rank) index serves "the neighbours of this paper".
    paper = models.ForeignKey(
        "papers.Paper", on_delete=models.CASCADE, related_name="similar_links", db_index=False
    )
    # Indexed so that deleting a paper finds the lists it appears in without a scan.
    neighbour = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    # The neighbour score (papers/similar/fields.py): the weighted sum of the cosines of text,
    # author names and categories; 1 = the same on all three.
    score = models.FloatField()

    class Meta:
        app_label = "papers"
        ordering = ["paper", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "rank"], name="similarpaper_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} #{self.rank}: {self.neighbour_id} ({self.score:.3f})"
