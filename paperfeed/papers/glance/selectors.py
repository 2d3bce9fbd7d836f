"""Reads of papers at a glance: what a card shows beside the title."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from paperfeed.core.relations import one_to_one_of
from paperfeed.papers.glance.models import PaperGlance, ai_summary_current
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
    return _glance(row.keywords, row.summary, row.ai_summary, ai_current=row.ai_current)


def glance_from(columns: dict[str, Any]) -> Glance:
    """:func:`glance_of` of a glance's columns by attribute name (a statement's plain values,
    without the model instance)."""
    current = ai_summary_current(
        columns["ai_state"], columns["ai_summary"], columns["ai_text_key"], columns["text_key"]
    )
    return _glance(
        columns["keywords"], columns["summary"], columns["ai_summary"], ai_current=current
    )


def _glance(keywords: Sequence[str], summary: str, ai_summary: str, *, ai_current: bool) -> Glance:
    if ai_current:
        return Glance(list(keywords), ai_summary, "ai")
    return Glance(list(keywords), summary, "abstract" if summary else "")


def glances_for(papers: Sequence[Paper]) -> dict[int, Glance]:
    """The glances of ``papers`` (from the join when the caller's query selected them)."""
    return {pk: glance_of(row) for pk, row in one_to_one_of(papers, Paper.glance).items()}
