"""The personal part of a digest: which papers, in which order. Pure functions, no Django."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = ("e.g", "i.e", "et al", "etc", "vs", "fig", "eq", "cf", "approx", "resp", "no")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9(\"'\[])")
_SPACES = re.compile(r"\s+")
MAX_SENTENCE = 320


def first_sentence(text: str) -> str:
    """The first sentence of an abstract, on one line, shortened with an ellipsis if long."""
    text = _SPACES.sub(" ", text or "").strip()
    for match in _SENTENCE_END.finditer(text):
        head = text[: match.start()]
        if head.lower().endswith(_ABBREVIATIONS) or re.search(r"\b[A-Z]$", head):
            continue
        text = text[: match.end()]
        break
    if len(text) > MAX_SENTENCE:
        text = text[: MAX_SENTENCE - 1].rsplit(" ", 1)[0] + "…"
    return text


def summary_label(source: str) -> str:
    """How a digest labels a paper's one-line summary (see papers/glance)."""
    return {"ai": "AI summary", "abstract": "From the abstract"}.get(source, "")


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of the keywords as whole words."""
    words = sorted({k.strip().lower() for k in keywords if k and k.strip()})
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I)


def personal_order(
    items: Sequence[T],
    *,
    matches: Callable[[T], bool],
    only_matching: bool,
    limit: int,
) -> list[T]:
    """Matching items first (each group keeps its order), or only those; at most ``limit``."""
    first = [item for item in items if matches(item)]
    if only_matching:
        return first[:limit]
    if len(first) >= limit:
        return first[:limit]
    chosen = {id(item) for item in first}
    rest = [item for item in items if id(item) not in chosen]
    return (first + rest)[:limit]
