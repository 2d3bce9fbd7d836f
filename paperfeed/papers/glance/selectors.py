"""Reads of papers at a glance: what a card shows beside the title."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from paperfeed.papers.glance.models import PaperGlance
from paperfeed.papers.models import Paper


@dataclass(frozen=True, slots=True)
class Glance:
    """A paper's key phrases and one-line summary; ``summary_source`` is "ai" for the language
    model's sentence, "abstract" for the abstract's own, "" when there is no summary."""

    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    summary_source: str = ""


NO_GLANCE = Glance()


def glance_of(row: PaperGlance) -> Glance:
    if row.ai_current:
        return Glance(list(row.keywords), row.ai_summary, "ai")
    return Glance(list(row.keywords), row.summary, "abstract" if row.summary else "")


def glances_for(papers: Sequence[Paper]) -> dict[int, Glance]:
    """The glances of ``papers``: from the join when the caller's query selected them
    (``select_related("glance")``), else in one query."""
    found: dict[int, Glance] = {}
    missing = []
    for paper in papers:
        if not Paper.glance.is_cached(paper):
            missing.append(paper.pk)
            continue
        with suppress(PaperGlance.DoesNotExist):
            found[paper.pk] = glance_of(paper.glance)
    if missing:
        found.update(
            {
                row.paper_id: glance_of(row)
                for row in PaperGlance.objects.filter(paper_id__in=missing)
            }
        )
    return found
