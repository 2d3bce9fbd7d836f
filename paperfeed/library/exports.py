"""A library or a collection as a file: BibTeX (one @misc entry per paper, notes and tags as
fields), CSV (one row per paper) or a list of arXiv ids (one a line, as the import reads)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control

from paperfeed.library.selectors import Entry
from paperfeed.papers.citation import bibtex_file

FORMATS = {
    "bib": "application/x-bibtex; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
CSV_COLUMNS = ["arxiv_id", "title", "authors", "categories", "published", "url", "note", "tags"]
# A cell a spreadsheet would run as a formula (CSV injection): such cells get a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def as_bibtex(entries: Sequence[Entry]) -> str:
    return bibtex_file(
        (
            entry.row,
            [("note", entry.note), ("keywords", ", ".join(entry.tags))],
        )
        for entry in entries
    )


def as_csv(entries: Sequence[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        paper = entry.row.paper
        writer.writerow(
            _cell(value)
            for value in (
                paper.arxiv_id,
                paper.title,
                "; ".join(entry.row.authors),
                " ".join(entry.row.categories),
                paper.published.date().isoformat(),
                paper.abs_url,
                entry.note,
                " ".join(entry.tags),
            )
        )
    return out.getvalue()


def as_id_list(entries: Sequence[Entry]) -> str:
    return "".join(f"{entry.row.paper.arxiv_id}\n" for entry in entries)


_WRITERS = {"bib": as_bibtex, "csv": as_csv, "txt": as_id_list}


def download(entries: Sequence[Entry], *, fmt: str, name: str, private: bool) -> HttpResponse:
    """The file as an attachment named ``<name>.<fmt>``; a private one is never stored by a
    shared cache."""
    if fmt not in FORMATS:
        raise Http404("Exports are .bib, .csv or .txt (arXiv ids).")
    body = _WRITERS[fmt](entries)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    if private:
        patch_cache_control(response, private=True, no_store=True)
    return response
