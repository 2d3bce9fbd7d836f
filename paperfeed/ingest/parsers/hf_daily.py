"""Hugging Face Daily Papers -> records (with a :class:`FeaturedRecord`).

Two inputs:

* :func:`parse_daily_papers` -- the ``GET https://huggingface.co/api/daily_papers`` JSON array
  (source ``"hf_daily"``), both the 2024 shape (``submittedBy``, no ``submittedOnDailyAt``) and
  the 2025-26 shape (``paper.submittedOnDailyAt``, ``submittedOnDailyBy``, ``githubRepo``,
  ``githubStars``, ``projectPage``). Upvotes come from ``paper.upvotes``; the featured day is the
  date of ``paper.submittedOnDailyAt``, else of the item's top-level ``publishedAt``.
* :func:`parse_hf_scrape` -- the daily HTML scrapes in ``shared/data/hf_daily_papers``
  (source ``"hf_scrape"``): one JSON array per day of ``{title, paper_url, authors, stars,
  details{title, abstract, arxiv_page_url, pdf_url, github_links[], ...}, scraped_date}``.
  ``stars`` is the upvote count at scrape time, as text. The scraped "abstract" is the HF
  submitter's comment more often than the real abstract (checked against arxiv_daily_cs). When
  :func:`~paperfeed.ingest.parsers.hf_abstract.scraped_text_is_abstract` (measured at >= 99 %
  precision by ``bench/hf_abstracts.py``) says it is the abstract, it becomes
  ``record.abstract`` with ``abstract_source = "hf_scrape"`` (arXiv's replaces it on arrival);
  otherwise it goes to ``featured.comment`` (shortened to 5,000 characters). The scraped
  ``authors`` mix real names with HF user names and are not used. Counts shown as ``"1.4k"``
  look like GitHub star counts picked up by the scraper (HF upvotes are shown in full), so they
  count as 0 upvotes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from paperfeed.ingest.parsers._common import finish
from paperfeed.ingest.parsers.dates import arxiv_id, day_from_name, iso_datetime
from paperfeed.ingest.parsers.files import (
    MAX_DOCUMENT_BYTES,
    STREAM_ERRORS,
    is_tar,
    iter_tar_members,
    json_error,
    read_all,
)
from paperfeed.ingest.parsers.hf_abstract import scraped_text_is_abstract, strip_abstract_label
from paperfeed.ingest.parsers.text import BadRecord, integer, optional_text, text
from paperfeed.papers.records import MAX_FIELD, FeaturedRecord, PaperRecord, Rejected

SOURCE = "hf_daily"
SOURCE_SCRAPE = "hf_scrape"

__all__ = [
    "SOURCE",
    "SOURCE_SCRAPE",
    "parse_daily_papers",
    "parse_hf_scrape",
    "parse_hf_scrape_path",
]

_HF_PAPER_URL = re.compile(r"^https?://(?:www\.)?huggingface\.co/papers/", re.IGNORECASE)
_GITHUB_REPO = re.compile(
    r"^https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.IGNORECASE
)
# The repository itself: nothing after owner/repo but ".git", "/", a branch, a query or anchor.
_REPO_ITSELF = re.compile(r"(?:\.git)?/?(?:tree/[^/?#]+/?)?(?:[?#].*)?$")
# GitHub links on every HF page (site chrome), not the paper's code.
_NOT_CODE_OWNERS = frozenset({"huggingface", "features", "about", "orgs", "sponsors"})


def _load(data: bytes, location: str) -> tuple[list[Any] | None, Rejected | None]:
    if not isinstance(data, bytes | bytearray | memoryview):
        return None, Rejected("input is not bytes", None, location)
    try:
        decoded = json.loads(bytes(data))
    except (ValueError, RecursionError) as exc:
        return None, Rejected(f"not a JSON document: {json_error(exc)}", None, location)
    if isinstance(decoded, dict):
        # A single item (as in some saved examples) or an API error object.
        if "paper" in decoded or "paper_url" in decoded:
            return [decoded], None
        message = decoded.get("error")
        detail = f": {str(message)[:200]}" if isinstance(message, str) else ""
        return None, Rejected(f"a JSON object, not a list of papers{detail}", None, location)
    if not isinstance(decoded, list):
        return None, Rejected("JSON is not a list of papers", None, location)
    return decoded, None


# --------------------------------------------------------------------------- API


def parse_daily_papers(data: bytes, *, location: str = "") -> Iterator[PaperRecord | Rejected]:
    """Yield one record (or Rejected) per item of an ``api/daily_papers`` response."""
    yield from _parse_items(data, location or "hf-daily-papers", _api_item)


def _parse_items(
    data: bytes, label: str, build: Callable[[dict[str, Any]], PaperRecord]
) -> Iterator[PaperRecord | Rejected]:
    """One record, or a Rejected with its reason, per item of a JSON array."""
    items, problem = _load(data, label)
    if problem is not None:
        yield problem
        return
    for number, item in enumerate(items or [], start=1):
        where = f"{label}:item {number}"
        if not isinstance(item, dict):
            yield Rejected("item is not a JSON object", None, where)
            continue
        try:
            yield finish(build(item), where)
        except BadRecord as exc:
            yield Rejected(exc.reason, exc.arxiv_id, where)


def _api_item(item: dict[str, Any]) -> PaperRecord:
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise BadRecord("item has no paper object")
    paper_id, version = arxiv_id(paper.get("id"), "paper.id")
    try:
        record = PaperRecord(arxiv_id=paper_id, source=SOURCE, version=version)
        record.title = text(_first(paper.get("title"), item.get("title")), "title")
        record.abstract = text(_first(paper.get("summary"), item.get("summary")), "summary")
        record.authors = _api_authors(paper.get("authors"))
        record.published = iso_datetime(paper.get("publishedAt"), "paper.publishedAt")
        record.code_url = _url(
            _first(paper.get("githubRepo"), item.get("githubRepo")), "githubRepo"
        )
        record.code_stars = integer(
            _first(paper.get("githubStars"), item.get("githubStars")), "githubStars"
        )
        record.project_page = _url(
            _first(paper.get("projectPage"), item.get("projectPage")), "projectPage"
        )
        featured_at = iso_datetime(paper.get("submittedOnDailyAt"), "paper.submittedOnDailyAt")
        if featured_at is None:
            featured_at = iso_datetime(item.get("publishedAt"), "publishedAt")
        if featured_at is None:
            raise BadRecord("no featured date (submittedOnDailyAt or publishedAt)")
        record.featured = FeaturedRecord(
            day=featured_at.date(),
            upvotes=integer(paper.get("upvotes"), "paper.upvotes") or 0,
            submitter=_submitter(paper, item),
        )
    except BadRecord as exc:
        exc.arxiv_id = paper_id
        raise
    return record


def _first(*values: object) -> object:
    for value in values:
        if value is not None and value != "":
            return value
    return None


def _api_authors(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise BadRecord("paper.authors is not a list")
    names = []
    for author in value:
        # Hidden authors are hidden on the HF page, but they are still authors: keep them.
        if isinstance(author, dict):
            name = text(author.get("name"), "author name")
        elif isinstance(author, str):
            name = text(author, "author name")
        else:
            raise BadRecord("paper.authors holds something other than authors")
        if name:
            names.append(name)
    return names


def _submitter(paper: dict[str, Any], item: dict[str, Any]) -> str:
    by = paper.get("submittedOnDailyBy")
    if isinstance(by, dict):
        name = optional_text(by.get("user"), "submittedOnDailyBy.user") or optional_text(
            by.get("fullname"), "submittedOnDailyBy.fullname"
        )
        if name:
            return name[:300]
    by = item.get("submittedBy")
    if isinstance(by, dict):
        name = optional_text(by.get("name"), "submittedBy.name") or optional_text(
            by.get("fullname"), "submittedBy.fullname"
        )
        if name:
            return name[:300]
    return ""


def _url(value: object, field: str) -> str | None:
    url = optional_text(value, field)
    if url is None:
        return None
    if not url.lower().startswith(("https://", "http://")):
        raise BadRecord(f"{field} is not a web address ({url[:60]!r})")
    return url


# --------------------------------------------------------------------------- scrapes


def parse_hf_scrape(
    data: bytes, *, location: str = "", day: date | None = None
) -> Iterator[PaperRecord | Rejected]:
    """Yield one record (or Rejected) per paper of one daily scrape file.

    The featured day is each record's ``scraped_date``, else ``day`` (e.g. from the file name).
    """
    yield from _parse_items(data, location or "hf-scrape", lambda item: _scrape_item(item, day))


def _scrape_item(item: dict[str, Any], day: date | None) -> PaperRecord:
    details = item.get("details")
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise BadRecord("details is not a JSON object")
    raw_id = _first(details.get("arxiv_page_url"), item.get("paper_url"), details.get("page_url"))
    if isinstance(raw_id, str):
        raw_id = _HF_PAPER_URL.sub("", raw_id.strip())
    paper_id, version = arxiv_id(raw_id, "arxiv_page_url/paper_url")
    try:
        record = PaperRecord(arxiv_id=paper_id, source=SOURCE_SCRAPE, version=version)
        record.title = text(_first(details.get("title"), item.get("title")), "title")
        record.code_url = _code_url(details.get("github_links"))
        featured_day = _scrape_day(item.get("scraped_date")) or day
        if featured_day is None:
            raise BadRecord("no scrape date (scraped_date or a YYYY-MM-DD file name)")
        comment = text(details.get("abstract"), "abstract") or ""
        if comment == record.title:
            comment = ""
        if comment and scraped_text_is_abstract(comment, title=record.title or ""):
            record.abstract = strip_abstract_label(comment)
            record.abstract_source = SOURCE_SCRAPE
            comment = ""
        if len(comment) > MAX_FIELD:
            # Only a side note on the featured entry: shorten it rather than lose the entry.
            comment = comment[: MAX_FIELD - 1].rstrip() + "\u2026"
        record.featured = FeaturedRecord(
            day=featured_day, upvotes=_scrape_upvotes(item.get("stars")), comment=comment
        )
    except BadRecord as exc:
        exc.arxiv_id = paper_id
        raise
    return record


def _scrape_day(value: object) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord("scraped_date is not text")
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise BadRecord(f"scraped_date is not a date ({value[:40]!r})") from None


def _scrape_upvotes(value: object) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9.,]+\s*[kKmM]\s*", value):
        return 0  # an abbreviated GitHub star count, not HF upvotes (see module docstring)
    if value in (None, "", "-"):
        return 0
    return integer(value, "stars") or 0


def _code_url(value: object) -> str | None:
    """The repository the page names: the first link to a repository itself, else the first
    link into one (a pull request of another project listed first must not win; trending's
    link rule decides whether a link into a repository is the paper's own)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise BadRecord("github_links is not a list")
    into: str | None = None
    for link in value:
        if not isinstance(link, str):
            continue
        match = _GITHUB_REPO.match(link.strip())
        if match and match[1].lower() not in _NOT_CODE_OWNERS:
            if _REPO_ITSELF.match(link.strip(), match.end()):
                return _url(link, "github_links")
            into = into or link
    return None if into is None else _url(into, "github_links")


def parse_hf_scrape_path(path: Path | str) -> Iterator[PaperRecord | Rejected]:
    """Every record in a scrape file, a folder of ``YYYY-MM-DD.json`` files, or a tar archive."""
    path = Path(path)
    if path.is_dir():
        for file in sorted(p for p in path.iterdir() if p.suffix.lower() == ".json"):
            yield from _scrape_file(file)
        return
    if is_tar(path):
        for member in iter_tar_members(path, (".json",)):
            if isinstance(member, Rejected):
                yield member
                continue
            name, stream = member
            location = f"{path.name}:{name}"
            try:
                data = stream.read(MAX_DOCUMENT_BYTES)
            except STREAM_ERRORS as exc:
                yield Rejected(f"could not read {name}: {exc}", None, location)
                return
            yield from parse_hf_scrape(data, location=location, day=day_from_name(name))
        return
    yield from _scrape_file(path)


def _scrape_file(file: Path) -> Iterator[PaperRecord | Rejected]:
    try:
        data = read_all(file)
    except STREAM_ERRORS as exc:
        yield Rejected(f"could not read the file: {exc}", None, file.name)
        return
    yield from parse_hf_scrape(data, location=file.name, day=day_from_name(file.name))
