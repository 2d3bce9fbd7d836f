"""The search box's query language, parsed into plain data. Pure Python: no Django imports.

Syntax (everything else is read as words that must all appear):

- ``"exact phrase"`` -- the words next to each other, in order;
- ``author:lecun`` or ``author:"yann lecun"`` -- words in the author list;
- ``cat:cs.CL`` -- an arXiv category (several are OR-ed);
- ``year:2025`` or ``year:2023-2025`` -- first-version year;
- ``sort:date`` / ``sort:relevance``.

Any input is accepted. Operators of the underlying full-text engines (``NEAR(``, ``AND``,
``*``, ``^``, ``-``, column filters) have no meaning here: they are split into words or
dropped, and the search module quotes every word before it reaches the engine. Control
characters are removed and over-long input is cut, with a message saying so.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from paperfeed.papers import tex
from paperfeed.papers.categories import is_category

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_CATEGORIES = 10
MIN_YEAR, MAX_YEAR = 1991, 2100

# The same notion of a word as the search module: letters, digits and a few joiners.
WORD = re.compile(r"[\w][\w'.+-]*", re.UNICODE)
_YEAR = re.compile(r"(\d{4})(?:\s*(?:-|\.\.)\s*(\d{4}))?", re.ASCII)
_TOKEN = re.compile(
    r"""(?P<field>[A-Za-z]+):(?:"(?P<fquoted>[^"]*)"?|(?P<fvalue>\S*))"""
    r"""|"(?P<phrase>[^"]*)"?"""
    r"""|(?P<word>[^\s"]+)"""
)
FIELDS = {"author", "au", "cat", "category", "year", "sort"}


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    # Each entry: the words of one author: filter (all must match the author list).
    author_terms: list[list[str]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    years: tuple[int, int] | None = None
    sort: str = ""
    message: str = ""

    @property
    def is_empty(self) -> bool:
        """True when nothing restricts the results (no words, phrases or filters)."""
        return not (
            self.terms or self.phrases or self.author_terms or self.categories or self.years
        )

    @property
    def criteria(self) -> dict[str, Any]:
        """What a paper must match (words, phrases, filters) as the search engine takes them
        (``papers.search.search_filtered``, ``textindex.search``): all but the sort."""
        return {
            "terms": self.terms,
            "phrases": self.phrases,
            "author_terms": self.author_terms,
            "categories": self.categories,
            "years": self.years,
        }

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.phrases or self.author_terms)

    @property
    def highlight_words(self) -> list[str]:
        words = [*self.terms, *(w for phrase in self.phrases for w in phrase)]
        return list(dict.fromkeys(word.casefold() for word in words))


def _clean(text: str) -> str:
    # Drop control and format characters (e.g. RTL overrides, NUL) that have no place in a
    # search and could confuse the engines or the page.
    return "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)


def words_of(text: str) -> list[str]:
    return [word.strip("'.+-") or word for word in WORD.findall(text)]


def parse_query(text: str) -> ParsedQuery:
    """Read a query string; never raises."""
    parsed = ParsedQuery()
    notes: list[str] = []
    if not isinstance(text, str):
        text = ""
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"The query was cut to its first {MAX_QUERY_CHARS} characters.")
    text = _clean(text)
    budget = MAX_TERMS
    for match in _TOKEN.finditer(text):
        if budget <= 0:
            notes.append(f"Only the first {MAX_TERMS} words were used.")
            break
        name = (match["field"] or "").lower()
        if name in FIELDS:
            value = match["fquoted"] if match["fquoted"] is not None else match["fvalue"] or ""
            if name in {"author", "au"}:
                words = words_of(value)[:budget]
                if words:
                    parsed.author_terms.append(words)
                    budget -= len(words)
            elif name in {"cat", "category"}:
                for item in value.replace(",", " ").split():
                    # Readers type any case (cat:CS.cl): normalise, then the one check.
                    category = _normal_category(item)
                    if is_category(category) and len(parsed.categories) < MAX_CATEGORIES:
                        parsed.categories.append(category)
                    else:
                        notes.append(f"{item[:40]!r} is not an arXiv category; it was ignored.")
            elif name == "year":
                years = _years(value)
                if years is None:
                    notes.append(f"year:{value[:20]} is not a year or a range; it was ignored.")
                else:
                    parsed.years = years
            elif name == "sort":
                if value.lower() in {"date", "new", "newest"}:
                    parsed.sort = "date"
                elif value.lower() in {"relevance", "best"}:
                    parsed.sort = "relevance"
            continue
        if match["phrase"] is not None:
            words = words_of(match["phrase"])[:budget]
            if len(words) == 1:
                parsed.terms.extend(words)
            elif words:
                parsed.phrases.append(words)
            budget -= len(words)
            continue
        # A plain word, or an unknown field such as "http://..." or "foo:bar": read as words.
        words = words_of(match.group(0))[:budget]
        parsed.terms.extend(words)
        budget -= len(words)
    parsed.terms = list(dict.fromkeys(parsed.terms))
    parsed.categories = list(dict.fromkeys(parsed.categories))
    parsed.message = " ".join(dict.fromkeys(notes))
    return parsed


def _normal_category(value: str) -> str:
    # arXiv writes the archive in lower case and a two-letter subject class in upper case
    # (cs.CL, math.CO, stat.ML); physics subjects are words (physics.optics).
    archive, dot, subject = value.partition(".")
    archive = archive.lower()
    if dot and len(subject) == 2:
        subject = subject.upper()
    return f"{archive}{dot}{subject}"


def _years(value: str) -> tuple[int, int] | None:
    match = _YEAR.fullmatch(value.strip())
    if not match:
        return None
    first = int(match[1])
    last = int(match[2]) if match[2] else first
    if first > last:
        first, last = last, first
    if first < MIN_YEAR or last > MAX_YEAR:
        return None
    return first, last


# --- Highlighting -----------------------------------------------------------------------------


def highlight_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """The pattern that marks ``words`` (None: nothing to mark), compiled once per query: a
    page looks it up once and passes it to :func:`highlight_with` and :func:`snippet_with`."""
    return _compiled(tuple(w for w in words if w))


# A search highlights its words in each result's title and abstract: one pattern per query.
@lru_cache(maxsize=256)
def _compiled(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Longest first so "transformers" wins over "transformer"; a word prefix also matches, which
    # is close to what the stemmers match ("model" highlights "models").
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*", re.IGNORECASE | re.UNICODE)


def highlight(text: str, words: Sequence[str]) -> str:
    """``text`` as HTML (its ``$...$`` maths typeset as on every other page), with each match
    of ``words`` outside maths wrapped in ``<mark>``."""
    return highlight_with(text, highlight_pattern(words))


def highlight_with(text: str, pattern: re.Pattern[str] | None) -> str:
    """:func:`highlight` with the query's pattern (:func:`highlight_pattern`)."""
    if pattern is None:
        return tex.render(text, plain=html.escape)
    return tex.render(text, plain=lambda part: _marked(part, pattern))


def _marked(
    text: str, pattern: re.Pattern[str], pos: int = 0, endpos: int | None = None, first: int = 0
) -> str:
    """``text[pos:endpos]`` escaped as HTML, with each match of ``pattern`` wrapped in
    ``<mark>``: one pass over it. The matches are looked for in ``text`` itself from ``first``
    (a caller that already knows the first match; no earlier one), up to ``endpos`` as if the
    text ended there: what scanning the slice finds, when ``pos`` is the start or follows a
    character that is not a word's."""
    end = len(text) if endpos is None else endpos
    # Most titles and abstracts have nothing to escape: one look for the five characters
    # spares html.escape's five replacements on every piece between the marks.
    escape = html.escape if _SPECIAL.search(text, pos, end) else _same
    out: list[str] = []
    last = pos
    for match in pattern.finditer(text, max(pos, first), end):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:end]))
    return "".join(out)


_SPECIAL = re.compile("[&<>\"']")


def _same(text: str) -> str:
    return text


def snippet(text: str, words: Sequence[str], *, size: int = 320) -> str:
    """About ``size`` characters of ``text`` around the first match, highlighted; it neither
    starts nor stops inside a formula, which would show half of it as raw TeX."""
    return snippet_with(text, highlight_pattern(words), size=size)


def snippet_with(text: str, pattern: re.Pattern[str] | None, *, size: int = 320) -> str:
    """:func:`snippet` with the query's pattern (:func:`highlight_pattern`).

    The first match places the window; the marks are then looked for from that match to the
    window's end in the same text, not in the window cut out and scanned again from its start
    (S77). Text with maths or TeX quotes goes through :func:`highlight_with` as a title does."""
    start = 0
    match = pattern.search(text) if pattern is not None else None
    if match and match.start() > size // 3:
        start = tex.math_cut(text, text.rfind(" ", 0, match.start() - size // 4) + 1)
    end = tex.math_cut(text, start + size)
    piece_end, more = end, ""
    if end < len(text):
        cut = tex.math_cut(text[start:end], text[start:end].rfind(" "))
        piece_end, more = (start + cut if cut > size // 2 else end), " …"
    lead = "… " if start else ""
    if "$" in text or "`" in text:  # maths or TeX quotes: typeset, the words marked around them
        return lead + highlight_with(text[start:piece_end] + more, pattern)
    if pattern is None or match is None:
        return lead + html.escape(text[start:piece_end]) + more
    # The window starts at the text's start or after a space, so a word there is a word in
    # the window too; nothing matches before the first match.
    return lead + _marked(text, pattern, start, piece_end, first=match.start()) + more
