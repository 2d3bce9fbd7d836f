"""Helpers shared by the parsers: finishing a record, and safe XML.

Pure Python (no Django). Every parser turns one upstream record into a
:class:`~paperfeed.papers.records.PaperRecord` through :func:`finish`, or into a
:class:`~paperfeed.papers.records.Rejected` when
:class:`~paperfeed.ingest.parsers.text.BadRecord` is raised while reading it. Text fields,
ids and dates, authors, categories and file opening have their own modules beside this one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import cast
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from paperfeed.ingest.parsers.files import MAX_DOCUMENT_BYTES
from paperfeed.ingest.parsers.text import BadRecord
from paperfeed.papers.records import PaperRecord, Rejected, check_record

_PREFIX_USE = re.compile(
    rb"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*="
)
_PREFIX_DECL = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")


# --------------------------------------------------------------------------- records


def finish(record: PaperRecord, location: str) -> PaperRecord | Rejected:
    """Apply :func:`check_record`; returns the record or a :class:`Rejected`."""
    problem = check_record(record)
    if problem is not None:
        return Rejected(problem, record.arxiv_id, location)
    return record


def versions_from(pairs: list[tuple[int, datetime]]) -> list[tuple[int, datetime]]:
    """Sort a version history and refuse duplicates."""
    pairs = sorted(pairs, key=lambda pair: pair[0])
    numbers = [number for number, _ in pairs]
    if len(set(numbers)) != len(numbers):
        raise BadRecord("the version history lists a version twice")
    return pairs


# --------------------------------------------------------------------------- XML


class XmlError(Exception):
    """The document is not (safe) XML."""


def parse_xml(data: bytes) -> Element:
    """Parse untrusted XML with defusedxml (no entities, no DTD fetching, no network).

    Documents that use a namespace prefix without declaring it (some printed OAI samples do)
    get a placeholder declaration and are parsed again; callers match on local names anyway.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise XmlError("XML input must be bytes")
    data = bytes(data)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise XmlError(f"document larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        return _fromstring(data)
    except XmlError as exc:
        if "unbound prefix" not in str(exc):
            raise
    return _fromstring(_declare_missing_prefixes(data))


def _fromstring(data: bytes) -> Element:
    try:
        return cast(Element, safe_et.fromstring(data, forbid_dtd=True))
    except DefusedXmlException as exc:
        raise XmlError(f"forbidden XML construct ({type(exc).__name__})") from None
    except ParseError as exc:
        raise XmlError(f"not well-formed XML: {exc}") from None
    except (ValueError, LookupError, UnicodeError, RecursionError, TypeError) as exc:
        raise XmlError(f"not readable XML: {exc}") from None


def _declare_missing_prefixes(data: bytes) -> bytes:
    used = {m[1] or m[2] for m in _PREFIX_USE.finditer(data)}
    declared = set(_PREFIX_DECL.findall(data)) | {b"xml", b"xmlns"}
    missing = sorted(p for p in used if p and p not in declared)
    if not missing:
        return data
    # Find the root element's start tag (skip the XML declaration, comments, PIs).
    pos = 0
    while True:
        match = _ROOT_TAG.search(data, pos)
        if match is None:
            return data
        start = match.start()
        if data[start + 1 : start + 2] not in (b"?", b"!"):
            break
        pos = match.end()
    insert_at = match.end()
    declarations = b"".join(b' xmlns:%s="urn:undeclared:%s"' % (p, p) for p in missing)
    return data[:insert_at] + declarations + data[insert_at:]


def local(tag: object) -> str:
    """Local name of an ElementTree tag (``{ns}name`` or ``prefix:name`` -> ``name``)."""
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    if tag.startswith("{"):
        return tag.rsplit("}", 1)[-1]
    return tag.rsplit(":", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def child(element: Element, name: str) -> Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def child_text(element: Element, name: str) -> str | None:
    found = child(element, name)
    if found is None:
        return None
    return "".join(found.itertext())


def attr(element: Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace."""
    if name in element.attrib:
        return element.attrib[name]
    for key, value in element.attrib.items():
        if local(key) == name:
            return value
    return None
