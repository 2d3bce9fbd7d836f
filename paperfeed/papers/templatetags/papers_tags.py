"""Template filters of the reading site."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from paperfeed.core.urlpaths import per_url_configuration
from paperfeed.papers import tex as tex_module
from paperfeed.papers.rows import PaperRow

register = template.Library()

SHORT_AUTHORS = 5
PREVIEW_CHARS = 280


@register.filter
def tex(value: str) -> SafeString:
    """Escaped text with ``$...$`` maths typeset (see paperfeed.papers.tex)."""
    # tex.render escapes everything it does not generate itself.
    return mark_safe(tex_module.render(str(value or "")))


def _shown_authors(names: list[str]) -> tuple[list[str], str]:
    """The names a card shows and what follows them: all of them, or the first SHORT_AUTHORS
    and ' et al. (+N)' when there are more than SHORT_AUTHORS + 1."""
    if len(names) <= SHORT_AUTHORS + 1:
        return names, ""
    return names[:SHORT_AUTHORS], f" et al. (+{len(names) - SHORT_AUTHORS})"


@register.filter
def authors_short(names: list[str]) -> str:
    """'A, B, C, D, E et al.' when there are more than SHORT_AUTHORS + 1 authors."""
    shown, rest = _shown_authors(list(names or []))
    return ", ".join(shown) + rest


@register.filter
def byline(
    row: PaperRow, verified: Mapping[int, set[str]] | None, *, author_base: str = ""
) -> SafeString:
    """A card's authors as ``authors_short`` writes them, each verified author (a claim a curator
    approved; ``verified`` maps paper ids to names) marked with a check. ``author_base``: the
    author pages' path before the id, when the caller already has it (:func:`author_base`)."""
    marked = verified.get(row.paper.pk, set()) if verified else set()
    shown, rest = _shown_authors(list(row.authors))
    ids = row.author_ids if len(row.author_ids) == len(row.authors) else []
    # The path's base escaped once: what _author_path adds (the id, "-", the ASCII slug of
    # word characters and hyphens) has nothing to escape.
    base = html.escape(author_base or _author_base())
    parts = []
    for index, name in enumerate(shown):
        # html.escape is what Django's escape runs, without its lazy-string wrapper: a search
        # page writes a hundred names.
        text = html.escape(name)
        if ids:
            text = f'<a href="{_author_path(base, ids[index], name)}">{text}</a>'
        if name in marked:
            text += '<span class="verified-badge" title="Verified author">✓</span>'
        parts.append(text)
    return mark_safe(", ".join(parts) + rest)


@register.simple_tag
def author_url(author_id: int, name: str = "") -> str:
    """``/authors/<id>-<name-slug>``: an author page's address (the slug only reads well)."""
    return _author_path(author_base(), author_id, name)


def _author_path(base: str, author_id: int, name: str) -> str:
    slug = _slug(name)
    return base + (f"{int(author_id)}-{slug}" if slug else str(int(author_id)))


_NOT_SLUG = re.compile(r"[^\w\s-]")
_SLUG_GAPS = re.compile(r"[-\s]+")


# Names whose slugs a worker keeps: the authors of the popular papers its lists show again and
# again. At a million papers the search results bring new names all day (14,000 in 1,000
# searches), and an entry holds ~240 bytes (the name, its slug, the cache's own): 65,536 of
# them were ~15 MB of a web worker's 200; 8,192 are ~2 MB.
SLUG_CACHE = 8192


@lru_cache(maxsize=SLUG_CACHE)
def _slug(name: str) -> str:
    """``slugify(name)[:60]``, as Django's ``slugify`` writes it (ASCII), without its lazy-text
    wrapper and with its patterns compiled once: a search page links a hundred names."""
    value = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _SLUG_GAPS.sub("-", _NOT_SLUG.sub("", value.lower())).strip("-_")[:60]


@per_url_configuration
def author_base() -> str:
    """The author pages' path before the id: a card links up to five authors, and reverse()
    costs tens of microseconds each time. The id and the ASCII slug need no quoting."""
    return reverse("papers:author", args=["0"]).removesuffix("0")


# For byline(), whose keyword of the same name is a path the caller already has.
_author_base = author_base


@register.filter
def short_count(value: int | None) -> str:
    """A star count as a card shows it: '950', '1.2k', '12k', '1.5M'."""
    number = int(value or 0)
    if number < 1000:
        return str(number)
    # 999,600 would round to "1000k": it reads as "1M".
    scaled, suffix = (number / 1000, "k") if number < 999_500 else (number / 1_000_000, "M")
    # One decimal below 10 (1.2k), none above (12k); never "1.0k".
    text = f"{scaled:.1f}" if scaled < 9.95 else f"{scaled:.0f}"
    return text.removesuffix(".0") + suffix


@register.filter
def abstract_preview(value: str) -> str:
    """The first PREVIEW_CHARS characters, cut at a word."""
    text = " ".join(str(value or "").split())
    if len(text) <= PREVIEW_CHARS:
        return text
    cut = text.rfind(" ", 0, PREVIEW_CHARS)
    # A cut inside "$...$" would show half a formula as raw TeX: stop before the formula.
    end = tex_module.math_cut(text, cut if cut > PREVIEW_CHARS // 2 else PREVIEW_CHARS)
    return text[:end].rstrip() + " …"


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
    text = str(title or "")
    if "$" in text:
        text = tex_module.MATH_SPAN.sub(" ", text)
    # The first two main words, read no further: a search page's placeholders read a title
    # each (S77); only a title of minor words alone is read to its end, for its first two.
    main: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group()
        if word.lower() not in _MINOR_WORDS:
            main.append(word[0].upper())
            if len(main) == 2:
                break
    if not main:
        main = [word[0].upper() for word in _WORD.findall(text)[:2]]
    return "".join(main)


@register.filter
def count_label(value: int) -> str:
    """'12,345', or '10,000+' for totals that stopped counting at the search COUNT_CAP."""
    # Imported here: this module is loaded by django.setup() (the cards every list shows are
    # registered in ready()), and the search module brings the index code and tantivy with it.
    from paperfeed.papers.search import COUNT_CAP

    number = int(value or 0)
    if number >= COUNT_CAP:
        return f"{COUNT_CAP - 100:,}+"
    return f"{number:,}"
