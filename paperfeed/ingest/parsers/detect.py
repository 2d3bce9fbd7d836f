"""Recognise an input file's format and run the matching parser (``paperfeed ingest file``).

Formats: ``"snapshot"``, ``"listing"``, ``"hf_daily"``, ``"hf_scrape"``, ``"arxiv_api"``,
``"oai_pmh"``. Detection looks at the name and at the first 64 KiB of content, decompressing
.gz/.xz/.bz2/.zip files and peeking into tar archives as needed.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from paperfeed.ingest.parsers.arxiv_api import ArxivApiError, parse_feed
from paperfeed.ingest.parsers.categories import wanted
from paperfeed.ingest.parsers.files import STREAM_ERRORS, is_tar, open_input, read_all
from paperfeed.ingest.parsers.hf_daily import parse_daily_papers, parse_hf_scrape_path
from paperfeed.ingest.parsers.listings import listing_day, parse_listing_path
from paperfeed.ingest.parsers.oai_pmh import OaiError, parse_oai
from paperfeed.ingest.parsers.snapshot import parse_snapshot
from paperfeed.papers.merge import author_key
from paperfeed.papers.records import PaperRecord, Rejected, upsert_problem

FORMATS = ("snapshot", "listing", "hf_daily", "hf_scrape", "arxiv_api", "oai_pmh")
HEAD_BYTES = 64 * 1024

__all__ = [
    "FORMATS",
    "UnknownFormat",
    "detect_format",
    "iter_file_records",
    "iter_files_records",
    "sniff",
]


class UnknownFormat(ValueError):
    """The file is not in any format paperfeed can import (the message says why)."""


def _key(name: str) -> re.Pattern[bytes]:
    return re.compile(rb'"' + name.encode() + rb'"\s*:')


_KEYS = {
    name: _key(name)
    for name in (
        "paper",
        "paper_url",
        "scraped_date",
        "upvotes",
        "submittedOnDailyAt",
        "publishedAt",
        "authors_parsed",
        "update_date",
        "versions",
        "summary",
        "abs",
        "pdf",
        "categories",
    )
}


def _has(head: bytes, *keys: str) -> bool:
    return all(_KEYS[key].search(head) for key in keys)


def sniff(head: bytes, name: str = "") -> str | None:
    """The format of a document starting with ``head`` (already decompressed), or None."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        if re.search(rb"<(?:\w+:)?OAI-PMH[\s>]", text):
            return "oai_pmh"
        if re.search(rb"<(?:\w+:)?feed[\s>]", text):
            return "arxiv_api"
        return None
    if text.startswith((b"[", b"{")):
        first = text
        if text.startswith(b"{"):
            # JSON lines: judge by the first record alone (a pretty-printed object spans lines).
            line = text.split(b"\n", 1)[0].rstrip()
            if line.endswith(b"}"):
                first = line
        if _has(first, "paper_url") or _has(first, "scraped_date"):
            return "hf_scrape"
        if _has(first, "paper") and (
            _has(first, "upvotes")
            or _has(first, "submittedOnDailyAt")
            or _has(first, "publishedAt")
        ):
            return "hf_daily"
        if _has(first, "authors_parsed") or _has(first, "update_date") or _has(first, "versions"):
            return "snapshot"
        if _has(first, "summary") and (_has(first, "abs") or _has(first, "pdf")):
            return "listing"
    if "arxiv-metadata-oai-snapshot" in name.lower():
        return "snapshot"
    return None


def detect_format(path: Path | str) -> str:
    """One of :data:`FORMATS` for ``path`` (a file or a folder); raises :class:`UnknownFormat`."""
    path = Path(path)
    if not path.exists():
        raise UnknownFormat(f"{path}: no such file or folder")
    if path.is_dir():
        return _detect_dir(path)
    if is_tar(path):
        return _detect_tar(path)
    head = _head(path)
    fmt = sniff(head, path.name)
    if fmt is None:
        raise UnknownFormat(
            f"{path.name}: not a recognised format (it starts with {head[:40]!r}); expected an "
            "arXiv snapshot (.jsonl), a daily listing (YYYY-MM-DD.jsonl), an HF daily papers "
            "JSON, an HF scrape JSON, an arXiv API Atom feed or an OAI-PMH response"
        )
    return fmt


def _head(path: Path) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        with open_input(path) as stream:
            while size < HEAD_BYTES:
                chunk = stream.read(4096)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except STREAM_ERRORS as exc:
        if not chunks:
            raise UnknownFormat(f"{path.name}: cannot be read ({exc})") from None
    return b"".join(chunks)


def _detect_dir(path: Path) -> str:
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if any(listing_day(p.name) for p in files):
        return "listing"
    for file in files:
        try:
            return detect_format(file)
        except UnknownFormat:
            continue
    raise UnknownFormat(f"{path}: no file in this folder is in a recognised format")


def _detect_tar(path: Path) -> str:
    try:
        with tarfile.open(path, "r|*") as archive:
            for member in archive:
                if not member.isfile() or Path(member.name).name.startswith("."):
                    continue
                if listing_day(member.name):
                    return "listing"
                stream = archive.extractfile(member)
                head = stream.read(HEAD_BYTES) if stream is not None else b""
                fmt = sniff(head, member.name)
                if fmt in ("listing", "hf_scrape"):
                    return fmt
                raise UnknownFormat(
                    f"{path.name}: archives are supported for daily listings and HF scrapes "
                    f"only (first member {member.name!r} is {fmt or 'not recognised'})"
                )
    except UnknownFormat:
        raise
    except STREAM_ERRORS as exc:
        raise UnknownFormat(f"{path.name}: cannot read the archive ({exc})") from None
    raise UnknownFormat(f"{path.name}: the archive holds no files")


def iter_file_records(
    path: Path | str,
    fmt: str | None = None,
    *,
    categories: set[str] | None = None,
    limit: int | None = None,
) -> Iterator[PaperRecord | Rejected]:
    """Parse any supported file or folder, detecting its format unless ``fmt`` is given.

    ``categories`` keeps papers with a matching category (``"cs"`` matches ``cs.AI``; records
    without categories, e.g. from HF, are dropped when a filter is given); ``limit`` stops
    after that many PaperRecords. An API/OAI error page becomes one Rejected.
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if limit is not None and limit <= 0:
        return
    if fmt == "snapshot":
        yield from _snapshot(path, categories, limit)
    elif fmt == "listing":
        yield from parse_listing_path(path, categories=categories, limit=limit)
    elif fmt == "hf_scrape":
        yield from _filtered(parse_hf_scrape_path(path), categories, limit)
    else:
        parser = {"hf_daily": _hf_daily, "arxiv_api": _arxiv_api, "oai_pmh": _oai}[fmt]
        files = _files(path)
        yield from _filtered(_each_file(files, parser), categories, limit)


def iter_files_records(
    paths: list[Path], formats: list[str], categories: set[str] | None, limit: int | None
) -> Iterator[PaperRecord | Rejected]:
    """:func:`iter_file_records` of each path in its format, up to ``limit`` papers in all.

    Module-level and free of Django, so that a parsing process can run it
    (``paperfeed.ingest.parse_process``).
    """
    remaining = limit
    for path, path_format in zip(paths, formats, strict=True):
        for item in iter_file_records(path, path_format, categories=categories, limit=remaining):
            if isinstance(item, PaperRecord) and remaining is not None:
                remaining -= 1
            yield item
        if remaining is not None and remaining <= 0:
            return


def iter_checked_records(
    paths: list[Path], formats: list[str], categories: set[str] | None, limit: int | None
) -> Iterator[PaperRecord | Rejected]:
    """:func:`iter_files_records`, each record also through ``upsert_problem`` (NULs stripped,
    then checked), as ``papers_upsert`` would do it in the importer; a record it refuses
    becomes a :class:`Rejected`. What a parsing process runs, so that this per-record work is
    done on the other core and the importer skips it (``papers_upsert(checked=True)``). The
    parsers checked each record already (``_common.finish``): it is checked again only when
    stripping changed it. Each accepted record's author names are folded to their keys here
    too (``PaperRecord.author_keys``), after the strip, for the importer's merge and author
    rows.
    """
    for item in iter_files_records(paths, formats, categories, limit):
        if isinstance(item, PaperRecord):
            problem = upsert_problem(item, checked=True)
            if problem is not None:
                item = Rejected(problem, item.arxiv_id)
            elif item.authors:
                item.author_keys = list(map(author_key, item.authors))
        yield item


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return [path]


def _filtered(
    items: Iterable[PaperRecord | Rejected], categories: set[str] | None, limit: int | None
) -> Iterator[PaperRecord | Rejected]:
    produced = 0
    for item in items:
        if isinstance(item, PaperRecord):
            if categories and not wanted(item.categories, categories):
                continue
            yield item
            produced += 1
            if limit is not None and produced >= limit:
                return
        else:
            yield item


def _each_file(
    files: list[Path], parser: Callable[[bytes, str], Iterable[PaperRecord | Rejected]]
) -> Iterator[PaperRecord | Rejected]:
    for file in files:
        try:
            data = read_all(file)
        except STREAM_ERRORS as exc:
            yield Rejected(f"could not read the file: {exc}", None, file.name)
            continue
        yield from parser(data, file.name)


def _hf_daily(data: bytes, location: str) -> Iterable[PaperRecord | Rejected]:
    return parse_daily_papers(data, location=location)


def _arxiv_api(data: bytes, location: str) -> Iterable[PaperRecord | Rejected]:
    try:
        return parse_feed(data, location=location).records
    except ArxivApiError as exc:
        return [Rejected(str(exc), None, location)]


def _oai(data: bytes, location: str) -> Iterable[PaperRecord | Rejected]:
    try:
        return parse_oai(data, location=location).records
    except OaiError as exc:
        return [Rejected(f"OAI-PMH error {exc}", None, location)]


def _snapshot(
    path: Path, categories: set[str] | None, limit: int | None
) -> Iterator[PaperRecord | Rejected]:
    produced = 0
    for file in _files(path):
        remaining = None if limit is None else limit - produced
        try:
            stream = open_input(file)
        except STREAM_ERRORS as exc:
            yield Rejected(f"could not open the file: {exc}", None, file.name)
            continue
        with stream:
            for item in parse_snapshot(
                stream, location=file.name, categories=categories, limit=remaining
            ):
                yield item
                if isinstance(item, PaperRecord):
                    produced += 1
        if limit is not None and produced >= limit:
            return
