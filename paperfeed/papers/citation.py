"""A paper as a BibTeX entry, for the paper page's "Cite" box and every export (pure: no Django)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from paperfeed.papers.rows import PaperRow


def _braceless(value: str) -> str:
    # Text from outside (titles, names, notes) must not close the entry's braces early.
    return " ".join(value.replace("{", "").replace("}", "").split())


def bibtex_key(row: PaperRow) -> str:
    """``lovelace2024analytical``: the first author's surname, the year, the first long word."""
    names = row.authors
    first = names[0].split()[-1] if names and names[0].split() else "anonymous"
    key_name = re.sub(r"[^a-z]", "", first.lower()) or "paper"
    title_word = next(
        (w for w in re.findall(r"[A-Za-z]+", row.paper.title.lower()) if len(w) > 3), "paper"
    )
    return f"{key_name}{row.paper.published.year}{title_word}"


def bibtex(row: PaperRow, *, key: str | None = None, extra: Sequence[tuple[str, str]] = ()) -> str:
    """A BibTeX @misc entry in the form arXiv itself suggests (plus ``extra`` fields)."""
    paper = row.paper
    fields = [
        ("title", paper.title),
        ("author", " and ".join(row.authors)),
        ("year", str(paper.published.year)),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category),
        ("url", paper.abs_url),
        *extra,
    ]
    body = ",\n".join(f"  {name}={{{_braceless(value)}}}" for name, value in fields if value)
    return f"@misc{{{key or bibtex_key(row)},\n{body}\n}}"


def bibtex_file(entries: Iterable[tuple[PaperRow, Sequence[tuple[str, str]]]]) -> str:
    """Several entries, each key made unique (``…b``, ``…c`` after the first)."""
    used: set[str] = set()
    out = []
    for row, extra in entries:
        base = key = bibtex_key(row)
        suffix = ord("b")
        while key in used:
            key = f"{base}{chr(suffix) if suffix <= ord('z') else row.paper.pk}"
            suffix += 1
        used.add(key)
        out.append(bibtex(row, key=key, extra=extra))
    return "\n\n".join(out) + ("\n" if out else "")
