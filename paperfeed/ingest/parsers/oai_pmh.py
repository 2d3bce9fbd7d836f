"""arXiv OAI-PMH responses (``ListRecords`` / ``GetRecord``) -> records.

Two metadata formats are understood:

* ``arXivRaw`` (source ``"oai_arxivraw"``): the full version history
  (``<version version="v2"><date>Mon, 2 Apr 2007 19:18:42 GMT</date>``), authors as one string.
* ``arXiv`` (source ``"oai_arxiv"``): ``created``/``updated`` dates only, authors split into
  ``keyname``/``forenames``/``suffix``.

Elements are matched on local names, so documents missing their ``xmlns`` declarations (as in
printed samples) parse too. An OAI ``<error>`` raises :class:`OaiError`, except
``noRecordsMatch``, which is simply an empty page. Deleted records become
``Rejected("deleted upstream")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    versions_from,
)
from paperfeed.ingest.parsers.authors import split_authors
from paperfeed.ingest.parsers.categories import category_list
from paperfeed.ingest.parsers.dates import arxiv_id, iso_datetime, rfc2822_date, version_number
from paperfeed.ingest.parsers.text import BadRecord, clean, optional_text, strip_surrogates, text
from paperfeed.papers.records import PaperRecord, Rejected

SOURCE_RAW = "oai_arxivraw"
SOURCE_ARXIV = "oai_arxiv"

__all__ = ["SOURCE_ARXIV", "SOURCE_RAW", "OaiError", "OaiPage", "parse_oai"]


class OaiError(Exception):
    """An OAI-PMH ``<error code="...">`` (other than noRecordsMatch), or a body that is not
    an OAI-PMH response at all (code ``"notOaiPmh"``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(slots=True)
class OaiPage:
    records: list[PaperRecord | Rejected] = field(default_factory=list)
    # None (or an empty token upstream) means the list is complete.
    resumption_token: str | None = None
    complete_list_size: int | None = None
    cursor: int | None = None


def parse_oai(data: bytes, *, location: str = "") -> OaiPage:
    """Parse one OAI-PMH response page. Raises :class:`OaiError`."""
    try:
        root = parse_xml(data)
    except XmlError as exc:
        raise OaiError("notOaiPmh", f"the response is not usable XML: {exc}") from None
    if local(root.tag) != "OAI-PMH":
        raise OaiError(
            "notOaiPmh", f"the response is not OAI-PMH (root element <{local(root.tag)}>)"
        )

    for error in children(root, "error"):
        code = (attr(error, "code") or "unknown").strip()
        if code == "noRecordsMatch":
            continue
        message = clean("".join(error.itertext())) or "no message"
        raise OaiError(strip_surrogates(code)[:100], message[:1000])

    page = OaiPage()
    label = location or "oai-pmh"
    number = 0
    for container in root:
        if local(container.tag) not in ("ListRecords", "GetRecord"):
            continue
        for item in container:
            name = local(item.tag)
            if name == "record":
                number += 1
                page.records.append(_record(item, f"{label}:record {number}"))
            elif name == "resumptionToken":
                token = "".join(item.itertext()).strip()
                page.resumption_token = strip_surrogates(token) or None
                page.complete_list_size = _int_attr(item, "completeListSize")
                page.cursor = _int_attr(item, "cursor")
    return page


def _int_attr(element: Element, name: str) -> int | None:
    value = (attr(element, name) or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _record(record: Element, where: str) -> PaperRecord | Rejected:
    header = child(record, "header")
    oai_id = None
    if header is not None:
        identifier = (child_text(header, "identifier") or "").strip()
        oai_id = _id_from_identifier(identifier)
        if (attr(header, "status") or "").strip() == "deleted":
            return Rejected("deleted upstream", oai_id, where)
    metadata = child(record, "metadata")
    payload = None
    if metadata is not None:
        payload = next((item for item in metadata if isinstance(item.tag, str)), None)
    if payload is None:
        return Rejected("record without metadata", oai_id, where)
    fmt = local(payload.tag)
    try:
        if fmt == "arXivRaw":
            result = _arxiv_raw(payload)
        elif fmt == "arXiv":
            result = _arxiv(payload)
        else:
            return Rejected(f"unsupported metadata format <{fmt[:40]}>", oai_id, where)
    except BadRecord as exc:
        return Rejected(exc.reason, exc.arxiv_id or oai_id, where)
    return finish(result, where)


def _id_from_identifier(identifier: str) -> str | None:
    """``oai:arXiv.org:0804.2273`` -> ``0804.2273`` (None when it is not an arXiv id)."""
    if not identifier:
        return None
    value = identifier.split(":", 2)[-1] if identifier.lower().startswith("oai:") else identifier
    try:
        return arxiv_id(value)[0]
    except BadRecord:
        return None


def _arxiv_raw(meta: Element) -> PaperRecord:
    paper_id, id_version = arxiv_id(child_text(meta, "id"))
    try:
        versions = []
        for element in children(meta, "version"):
            number = version_number(attr(element, "version"))
            when = rfc2822_date(child_text(element, "date"), f"the date of v{number}")
            versions.append((number, when))
        history = versions_from(versions)
        record = PaperRecord(arxiv_id=paper_id, source=SOURCE_RAW)
        if history:
            record.versions = history
            record.version = history[-1][0]
            record.updated = history[-1][1]
            first_number, first_date = history[0]
            if first_number == 1:
                record.published = first_date
        else:
            record.version = id_version
        record.title = text(child_text(meta, "title"), "title")
        record.abstract = text(child_text(meta, "abstract"), "abstract")
        authors = child_text(meta, "authors")
        record.authors = split_authors(authors) if authors is not None else None
        record.categories = category_list(child_text(meta, "categories"))
        _common_fields(meta, record)
    except BadRecord as exc:
        exc.arxiv_id = paper_id
        raise
    return record


def _arxiv(meta: Element) -> PaperRecord:
    paper_id, id_version = arxiv_id(child_text(meta, "id"))
    try:
        record = PaperRecord(arxiv_id=paper_id, source=SOURCE_ARXIV, version=id_version)
        # Date-only values: ``created`` is the v1 date, ``updated`` the latest version's.
        record.published = iso_datetime(_strip(child_text(meta, "created")), "created")
        record.updated = iso_datetime(_strip(child_text(meta, "updated")), "updated")
        record.title = text(child_text(meta, "title"), "title")
        record.abstract = text(child_text(meta, "abstract"), "abstract")
        authors_element = child(meta, "authors")
        if authors_element is not None:
            record.authors = [
                name for name in map(_author_name, children(authors_element, "author")) if name
            ]
        record.categories = category_list(child_text(meta, "categories"))
        _common_fields(meta, record)
    except BadRecord as exc:
        exc.arxiv_id = paper_id
        raise
    return record


def _strip(value: str | None) -> str | None:
    return value.strip() if value is not None else None


def _author_name(author: Element) -> str:
    parts = [
        text(child_text(author, "forenames"), "forenames"),
        text(child_text(author, "keyname"), "keyname"),
        text(child_text(author, "suffix"), "suffix"),
    ]
    return " ".join(part for part in parts if part)


def _common_fields(meta: Element, record: PaperRecord) -> None:
    record.comments = optional_text(child_text(meta, "comments"), "comments")
    record.journal_ref = optional_text(child_text(meta, "journal-ref"), "journal-ref")
    record.doi = optional_text(child_text(meta, "doi"), "doi")
    record.license = optional_text(child_text(meta, "license"), "license")
