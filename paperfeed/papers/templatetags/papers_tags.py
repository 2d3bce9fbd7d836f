"""Template filters of the reading site."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from paperfeed.papers import tex as tex_module
from paperfeed.papers.search import COUNT_CAP

register = template.Library()

SHORT_AUTHORS = 5
PREVIEW_CHARS = 280


@register.filter
def tex(value: str) -> SafeString:
    """Escaped text with ``$...$`` maths typeset (see paperfeed.papers.tex)."""
    # tex.render escapes everything it does not generate itself.
    return mark_safe(tex_module.render(str(value or "")))


@register.filter
def authors_short(names: list[str]) -> str:
    """'A, B, C, D, E et al.' when there are more than SHORT_AUTHORS + 1 authors."""
    names = list(names or [])
    if len(names) <= SHORT_AUTHORS + 1:
        return ", ".join(names)
    return ", ".join(names[:SHORT_AUTHORS]) + f" et al. (+{len(names) - SHORT_AUTHORS})"


@register.filter
def abstract_preview(value: str) -> str:
    """The first PREVIEW_CHARS characters, cut at a word."""
    text = " ".join(str(value or "").split())
    if len(text) <= PREVIEW_CHARS:
        return text
    cut = text.rfind(" ", 0, PREVIEW_CHARS)
    return text[: cut if cut > PREVIEW_CHARS // 2 else PREVIEW_CHARS] + " …"


@register.filter
def needs_expand(value: str) -> bool:
    return len(" ".join(str(value or "").split())) > PREVIEW_CHARS


# Words a title's initials skip: "A Study of Attention" is "SA", not "AS".
_MINOR_WORDS = frozenset(
    {"a", "an", "the", "of", "on", "in", "for", "and", "to", "with", "via", "from", "by", "at"}
    | {"is", "are"}
)


_WORD = re.compile(r"[^\W\d_]+")


@register.filter
def initials(title: str) -> str:
    """The first letters of a title's first two main words (maths and symbols skipped), for a
    placeholder where the first page's image is missing: "Attention Is All You Need" → "AA"."""
    text = tex_module.MATH_SPAN.sub(" ", str(title or ""))
    words = _WORD.findall(text)
    main = [w for w in words if w.lower() not in _MINOR_WORDS] or words
    return "".join(w[0].upper() for w in main[:2])


@register.filter
def count_label(value: int) -> str:
    """'12,345', or '10,000+' for totals that stopped counting at the search COUNT_CAP."""

    number = int(value or 0)
    if number >= COUNT_CAP:
        return f"{COUNT_CAP - 100:,}+"
    return f"{number:,}"
