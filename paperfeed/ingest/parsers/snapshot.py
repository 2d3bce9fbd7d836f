"""The Kaggle/arXiv metadata snapshot (``arxiv-metadata-oai-snapshot.json``) -> records.

One JSON object per line, ~2.7 million lines, 4+ GB: read line by line in constant memory,
from a plain, .gz, .xz, .bz2 or .zip file (:func:`open_input`). Source ``"snapshot"``.

Per line: ``id, submitter, authors, title, comments, journal-ref, doi, report-no, categories
(space separated, first = primary), license, abstract, versions [{version, created}],
update_date, authors_parsed [[last, first, suffix, ...], ...]``. ``update_date`` is the last
metadata change, not a version date, and is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from paperfeed.ingest.parsers._common import finish, versions_from
from paperfeed.ingest.parsers.authors import decode_latex_name, split_authors
from paperfeed.ingest.parsers.categories import category_list, wanted
from paperfeed.ingest.parsers.dates import arxiv_id, rfc2822_date, version_number
from paperfeed.ingest.parsers.files import iter_json_objects, open_input
from paperfeed.ingest.parsers.text import BadRecord, clean, optional_text, text
from paperfeed.papers.records import PaperRecord, Rejected

SOURCE = "snapshot"

__all__ = ["SOURCE", "open_input", "parse_snapshot", "record_from_json"]


def parse_snapshot(
    stream: BinaryIO,
    *,
    location: str = "",
    categories: set[str] | None = None,
    limit: int | None = None,
) -> Iterator[PaperRecord | Rejected]:
    """Yield one record (or Rejected) per line of a snapshot stream.

    ``categories`` keeps only papers with at least one matching category (``"cs"`` matches
    ``cs.AI``); other papers are skipped silently. ``limit`` stops after that many
    PaperRecords. A stream that breaks (truncated .gz/.xz) ends with one Rejected.
    """
    if limit is not None and limit <= 0:
        return
    produced = 0
    for item in iter_json_objects(stream, location):
        if isinstance(item, Rejected):
            yield item
            continue
        where, data = item
        if categories:
            try:
                record_categories = category_list(data.get("categories"))
            except BadRecord:
                record_categories = []
            if not wanted(record_categories, categories):
                continue
        result = record_from_json(data, where)
        yield result
        if isinstance(result, PaperRecord):
            produced += 1
            if limit is not None and produced >= limit:
                return


def record_from_json(data: dict[str, Any], where: str = "") -> PaperRecord | Rejected:
    """One decoded snapshot object -> PaperRecord or Rejected."""
    raw_id = data.get("id")
    try:
        paper_id, id_version = arxiv_id(raw_id)
    except BadRecord as exc:
        return Rejected(exc.reason, None, where)
    try:
        record = PaperRecord(arxiv_id=paper_id, source=SOURCE, version=id_version)
        record.title = text(data.get("title"), "title")
        record.abstract = text(data.get("abstract"), "abstract")
        record.authors = _authors(data)
        record.categories = category_list(data.get("categories"))
        record.comments = optional_text(data.get("comments"), "comments")
        record.journal_ref = optional_text(data.get("journal-ref"), "journal-ref")
        record.doi = optional_text(data.get("doi"), "doi")
        record.license = optional_text(data.get("license"), "license")
        history = _versions(data.get("versions"))
        if history:
            record.versions = history
            record.version = history[-1][0]
            record.updated = history[-1][1]
            if history[0][0] == 1:
                record.published = history[0][1]
    except BadRecord as exc:
        return Rejected(exc.reason, paper_id, where)
    return finish(record, where)


def _versions(value: object) -> list[tuple[int, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRecord("versions is not a list")
    pairs = []
    for item in value:
        if not isinstance(item, dict):
            raise BadRecord("versions holds something other than objects")
        number = version_number(item.get("version"))
        pairs.append((number, rfc2822_date(item.get("created"), f"the date of v{number}")))
    return versions_from(pairs)


def _authors(data: dict[str, Any]) -> list[str] | None:
    parsed = data.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for entry in parsed:
            if not isinstance(entry, list) or not entry:
                raise BadRecord("authors_parsed holds something other than name lists")
            if not all(isinstance(part, str) for part in entry[:3]):
                raise BadRecord("authors_parsed holds a non-text name part")
            last = entry[0]
            first = entry[1] if len(entry) > 1 else ""
            suffix = entry[2] if len(entry) > 2 else ""
            # Entries beyond the suffix are affiliations.
            name = " ".join(part for part in (first, last, suffix) if part and part.strip())
            name = clean(decode_latex_name(name))
            if name:
                names.append(name)
        return names
    authors = data.get("authors")
    if authors is None:
        return None
    if not isinstance(authors, str):
        raise BadRecord("authors is not text")
    return split_authors(authors)
