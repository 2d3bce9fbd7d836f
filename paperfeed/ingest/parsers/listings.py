"""Daily arXiv listing files (``YYYY-MM-DD.jsonl``) -> records. Source ``"listing"``.

One JSON object per line: ``id, categories[] (first = primary), authors[], title, summary,
comment, pdf, abs``. The listing day comes from the file name and becomes
``record.listed_on``; these records carry no publication date, so ``published`` stays None.

Input can be a single ``.jsonl`` file, a folder of them (sorted by name) or a
``.tar.xz``/``.tar.gz``/``.tar`` archive, which is streamed (never unpacked).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from paperfeed.ingest.parsers._common import finish
from paperfeed.ingest.parsers.authors import name_list
from paperfeed.ingest.parsers.categories import category_list, wanted
from paperfeed.ingest.parsers.dates import arxiv_id, day_of
from paperfeed.ingest.parsers.files import (
    STREAM_ERRORS,
    is_tar,
    iter_json_objects,
    iter_tar_members,
    open_input,
)
from paperfeed.ingest.parsers.text import BadRecord, optional_text, text
from paperfeed.papers.records import PaperRecord, Rejected

SOURCE = "listing"
_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})\.jsonl(?:\.(?:gz|xz|bz2))?")

__all__ = [
    "SOURCE",
    "iter_listing_sources",
    "listing_day",
    "parse_listing",
    "parse_listing_path",
    "record_from_json",
]


def listing_day(name: str) -> date | None:
    """The day of a listing file named ``YYYY-MM-DD.jsonl`` (any folder), else None.

    ``YYYY-MM-DD.jsonl.gz`` (or .xz/.bz2) is accepted for files and folders, not in archives.
    """
    return day_of(_NAME.fullmatch(Path(name).name))


def iter_listing_sources(path: Path) -> Iterator[tuple[str, date, BinaryIO]]:
    """(file name, listing day, stream) for each listing file under ``path``.

    Files whose name is not ``YYYY-MM-DD.jsonl`` are skipped here; :func:`parse_listing_path`
    reports them as Rejected. Streams from an archive are only valid until the next item.
    """
    for item in _iter_sources(Path(path)):
        if not isinstance(item, Rejected):
            yield item


def _iter_sources(path: Path) -> Iterator[tuple[str, date, BinaryIO] | Rejected]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if _is_jsonl(p.name) and p.is_file())
        for file in files:
            day = listing_day(file.name)
            if day is None:
                yield _undated(file.name)
                continue
            yield from _open_file(file, file.name, day)
        return
    if is_tar(path):
        for member in iter_tar_members(path, (".jsonl",)):
            if isinstance(member, Rejected):
                yield member
                continue
            name, member_stream = member
            day = listing_day(name)
            if day is None:
                yield _undated(f"{path.name}:{name}")
                continue
            yield f"{path.name}:{name}", day, cast(BinaryIO, member_stream)
        return
    day = listing_day(path.name)
    if day is None:
        yield _undated(path.name)
        return
    yield from _open_file(path, path.name, day)


def _open_file(path: Path, name: str, day: date) -> Iterator[tuple[str, date, BinaryIO] | Rejected]:
    try:
        stream = open_input(path)
    except STREAM_ERRORS as exc:
        yield Rejected(f"could not open the file: {exc}", None, name)
        return
    with stream:
        yield name, day, stream


def _is_jsonl(name: str) -> bool:
    return name.lower().endswith((".jsonl", ".jsonl.gz", ".jsonl.xz", ".jsonl.bz2"))


def _undated(name: str) -> Rejected:
    return Rejected(
        f"file name has no listing date (expected YYYY-MM-DD.jsonl): {name}; whole file skipped",
        None,
        name,
    )


def parse_listing(
    stream: BinaryIO | IO[bytes], *, day: date, location: str
) -> Iterator[PaperRecord | Rejected]:
    """Yield a record (or Rejected) per line of one listing file shown on ``day``."""
    for item in iter_json_objects(stream, location):
        if isinstance(item, Rejected):
            yield item
        else:
            yield record_from_json(item[1], day, item[0])


def record_from_json(data: dict[str, Any], day: date, where: str = "") -> PaperRecord | Rejected:
    raw_id = data.get("id")
    if raw_id is None:
        raw_id = data.get("abs")
    try:
        paper_id, version = arxiv_id(raw_id)
    except BadRecord as exc:
        return Rejected(exc.reason, None, where)
    try:
        record = PaperRecord(arxiv_id=paper_id, source=SOURCE, version=version, listed_on=day)
        record.title = text(data.get("title"), "title")
        record.abstract = text(data.get("summary"), "summary")
        if "authors" in data:
            record.authors = name_list(data.get("authors"))
        if "categories" in data:
            record.categories = category_list(data.get("categories"))
        record.comments = optional_text(data.get("comment"), "comment")
    except BadRecord as exc:
        return Rejected(exc.reason, paper_id, where)
    return finish(record, where)


def parse_listing_path(
    path: Path | str,
    *,
    categories: set[str] | None = None,
    limit: int | None = None,
) -> Iterator[PaperRecord | Rejected]:
    """Every record of every listing file under ``path`` (file, folder or archive)."""
    if limit is not None and limit <= 0:
        return
    produced = 0
    for item in _iter_sources(Path(path)):
        if isinstance(item, Rejected):
            yield item
            continue
        name, day, stream = item
        for result in parse_listing(stream, day=day, location=name):
            if isinstance(result, PaperRecord):
                if categories and not wanted(result.categories, categories):
                    continue
                yield result
                produced += 1
                if limit is not None and produced >= limit:
                    return
            else:
                yield result
