"""arXiv API (``export.arxiv.org/api/query``) Atom responses -> records.

Handles both the 2007-era format of the user manual (namespaces repeated on every element,
``rel``/``title`` on links) and the 2025 format (namespaces declared once on ``<feed>``, ids
like ``http://arxiv.org/abs/2206.06921v1``, abs/pdf links with neither ``rel`` nor ``title``).
Elements are matched on local names, so either works. Parsing uses defusedxml: no entity
expansion, no DTD, no network.

Errors come back from arXiv as HTTP 200 with a single entry titled ``Error``; that, and a body
that is not XML at all, raise :class:`ArxivApiError`. One bad entry yields a
:class:`~paperfeed.papers.records.Rejected` and the others still come through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element

from paperfeed.ingest.parsers._common import (
    XmlError,
    attr,
    child,
    child_text,
    children,
    finish,
    local,
    parse_xml,
)
from paperfeed.ingest.parsers.categories import category_list
from paperfeed.ingest.parsers.dates import arxiv_id, iso_datetime
from paperfeed.ingest.parsers.text import BadRecord, clean, optional_text, strip_surrogates, text
from paperfeed.papers.ids import InvalidArxivId, parse_arxiv_id
from paperfeed.papers.records import PaperRecord, Rejected

SOURCE = "arxiv_api"

__all__ = ["SOURCE", "ApiPage", "ArxivApiError", "parse_feed"]


class ArxivApiError(Exception):
    """The API answered with its error entry, or with something that is not an Atom feed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class ApiPage:
    records: list[PaperRecord | Rejected] = field(default_factory=list)
    total_results: int = 0
    start_index: int = 0
    items_per_page: int = 0


def parse_feed(data: bytes, *, location: str = "") -> ApiPage:
    """Parse one API response. Raises :class:`ArxivApiError` (see the module docstring)."""
    try:
        root = parse_xml(data)
    except XmlError as exc:
        raise ArxivApiError(f"the arXiv API response is not usable XML: {exc}") from None
    if local(root.tag) != "feed":
        raise ArxivApiError(
            f"the arXiv API response is not an Atom feed (root element <{local(root.tag)}>)"
        )
    entries = children(root, "entry")
    for entry in entries:
        _raise_if_error(entry)

    page = ApiPage(
        total_results=_count(root, "totalResults"),
        start_index=_count(root, "startIndex"),
        items_per_page=_count(root, "itemsPerPage"),
    )
    label = location or "arxiv-api"
    for number, entry in enumerate(entries, start=1):
        where = f"{label}:entry {page.start_index + number}"
        try:
            page.records.append(finish(_entry(entry), where))
        except BadRecord as exc:
            page.records.append(Rejected(exc.reason, exc.arxiv_id, where))
    return page


def _raise_if_error(entry: Element) -> None:
    entry_id = (child_text(entry, "id") or "").strip()
    title = (child_text(entry, "title") or "").strip()
    if "/api/errors" in entry_id or (title == "Error" and "/abs/" not in entry_id):
        summary = clean(child_text(entry, "summary") or "") or "unknown error"
        raise ArxivApiError(f"arXiv API error: {strip_surrogates(summary)}")


def _count(root: Element, name: str) -> int:
    value = (child_text(root, name) or "").strip()
    if value.isascii() and value.isdigit():
        return int(value)
    return 0


def _entry(entry: Element) -> PaperRecord:
    raw_id = (child_text(entry, "id") or "").strip()
    paper_id, version = arxiv_id(raw_id, "entry id")

    abs_url = pdf_url = doi_url = None
    for link in children(entry, "link"):
        href = (attr(link, "href") or "").strip()
        kind = _link_kind(link, href)
        if kind == "abs" and abs_url is None:
            abs_url = href
        elif kind == "pdf" and pdf_url is None:
            pdf_url = href
        elif kind == "doi" and doi_url is None:
            doi_url = href
    if version is None:
        # The 2007 format gives a bare id; its abs/pdf links still carry the version.
        version = _version_from_url(abs_url, paper_id) or _version_from_url(pdf_url, paper_id)

    try:
        published = iso_datetime(child_text(entry, "published"), "published")
        updated = iso_datetime(child_text(entry, "updated"), "updated")
    except BadRecord as exc:
        exc.arxiv_id = paper_id
        raise

    record = PaperRecord(arxiv_id=paper_id, source=SOURCE, version=version)
    try:
        record.title = text(child_text(entry, "title"), "title")
        record.abstract = text(child_text(entry, "summary"), "summary")
        record.authors = _authors(entry)
        record.categories = _categories(entry)
        record.comments = optional_text(child_text(entry, "comment"), "comment")
        record.journal_ref = optional_text(child_text(entry, "journal_ref"), "journal_ref")
        record.doi = optional_text(child_text(entry, "doi"), "doi")
    except BadRecord as exc:
        exc.arxiv_id = paper_id
        raise
    if record.doi is None and doi_url:
        record.doi = _doi_from_url(doi_url)
    record.published = published
    record.updated = updated
    record.versions = _versions(version, published, updated)
    return record


def _versions(
    version: int | None, published: datetime | None, updated: datetime | None
) -> list[tuple[int, datetime]] | None:
    """Only what the feed tells us: ``published`` is v1's date; ``updated`` the current one's."""
    if published is None or version is None:
        return None
    if version == 1:
        return [(1, published)]
    if updated is not None and updated > published:
        return [(1, published), (version, updated)]
    return [(1, published)]


def _authors(entry: Element) -> list[str]:
    names = []
    for author in children(entry, "author"):
        name = text(child_text(author, "name"), "author name")
        if name:
            names.append(name)
    return names


def _categories(entry: Element) -> list[str]:
    terms = []
    primary = child(entry, "primary_category")
    if primary is not None:
        terms.append(attr(primary, "term") or "")
    terms.extend(attr(category, "term") or "" for category in children(entry, "category"))
    return category_list(terms)


def _link_kind(link: Element, href: str) -> str | None:
    title = (attr(link, "title") or "").lower()
    lowered = href.lower()
    if title == "doi" or "doi.org/" in lowered:
        return "doi"
    if title == "pdf" or "/pdf/" in lowered:
        return "pdf"
    if "/abs/" in lowered:
        return "abs"
    return None


def _version_from_url(url: str | None, paper_id: str) -> int | None:
    if not url:
        return None
    try:
        parsed = parse_arxiv_id(url)
    except InvalidArxivId:
        return None
    return parsed.version if parsed.id == paper_id else None


def _doi_from_url(url: str) -> str | None:
    lowered = url.lower()
    marker = "doi.org/"
    if marker not in lowered:
        return None
    doi = url[lowered.index(marker) + len(marker) :].strip()
    return clean(doi) or None
