"""How an incoming record combines with what the catalogue already holds. Pure: no Django.

The rules (the foundation issue's contract):
- a newer version replaces an older one: its fields win;
- a record for an *older* version only fills fields the catalogue has empty;
- a record of the same version or of none (daily listings, HF pages) that was seen on a day
  (listing or featured day) wins only when that day is later than the latest such day stored
  (``last_seen_on``); from an earlier or the same day it only fills gaps, so importing the same
  input again changes nothing;
- a field the incoming record lacks (None) is always kept;
- merging the same record twice changes nothing (idempotent);
- a code link a person set (``code_url_source == "user"``) is never replaced automatically.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from paperfeed.papers import codelinks
from paperfeed.papers.ids import id_month
from paperfeed.papers.records import PaperRecord

# Plain scalar fields copied from a record onto the paper.
SCALAR_FIELDS = (
    "title",
    "abstract",
    "comments",
    "journal_ref",
    "doi",
    "license",
    "code_stars",
    "project_page",
)


@dataclass(slots=True)
class PaperState:
    """The stored values of one paper that the merge reads and writes."""

    arxiv_id: str
    version: int = 1
    versions: list[dict[str, Any]] | None = None
    title: str = ""
    abstract: str = ""
    # "" when the abstract is arXiv's; otherwise the source of a stand-in (see PaperRecord).
    abstract_source: str = ""
    comments: str = ""
    journal_ref: str = ""
    doi: str = ""
    license: str = ""
    primary_category: str = ""
    categories: list[str] | None = None
    authors: list[str] | None = None
    published: datetime | None = None
    # True while ``published`` is only a stand-in (listing day or id month), not a real v1 date.
    published_is_estimate: bool = False
    updated: datetime | None = None
    listed_on: date | None = None
    last_seen_on: date | None = None
    code_url: str = ""
    code_url_source: str = ""
    code_stars: int | None = None
    code_repo: str | None = None
    project_page: str = ""
    sources: list[str] | None = None
    id: int | None = None


@lru_cache(maxsize=262_144)
def author_key(name: str) -> str:
    """Fold case, accents and spacing so one person's spellings map to one Author.

    Cached: the same names recur across thousands of papers in an import.
    """
    if name.isascii():
        return " ".join(name.lower().split())[:1000]
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())[:1000]


def _version_entries(versions: list[tuple[int, datetime]]) -> list[dict[str, Any]]:
    return [{"version": number, "date": when.isoformat()} for number, when in versions]


def estimate_published(record: PaperRecord) -> datetime:
    """A stand-in v1 date for sources that give none: the listing day, else the featured day
    (shown as such: see ``Paper.is_stub``), else the id's month."""
    day = record.listed_on or (record.featured.day if record.featured is not None else None)
    if day is not None:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    year, month = id_month(record.arxiv_id)
    return datetime(year, month, 1, tzinfo=UTC)


def merge(existing: PaperState | None, record: PaperRecord) -> tuple[PaperState, bool]:
    """Return the merged state and whether the paper changed (see ``last_seen_on`` below).

    ``existing`` is not modified. A new paper (``existing is None``) always counts as changed.
    """
    if existing is None:
        state = PaperState(arxiv_id=record.arxiv_id)
        newer = True
    else:
        state = PaperState(**{name: getattr(existing, name) for name in PaperState.__slots__})
        newer = _is_newer(existing, record)

    def take(name: str, value: Any) -> None:
        if value is None:
            return
        if newer or not getattr(state, name):
            setattr(state, name, value)

    for name in SCALAR_FIELDS:
        if name != "abstract":
            take(name, getattr(record, name))
    _merge_abstract(state, record, newer=newer)
    if record.authors is not None:
        take("authors", distinct_authors(record.authors, record.author_keys))
    if record.categories:
        take("categories", list(dict.fromkeys(record.categories)))
        state.primary_category = (state.categories or [""])[0]
    if record.code_url and state.code_url_source != "user" and (newer or not state.code_url):
        key = codelinks.repo_key(record.code_url)
        if key != state.code_repo and record.code_stars is None:
            state.code_stars = None  # they counted the repository named before
        state.code_url = record.code_url
        state.code_url_source = "auto"
        state.code_repo = key

    if record.version is not None and record.version > state.version:
        state.version = record.version
    if record.versions:
        known = {entry["version"]: entry for entry in (state.versions or [])}
        for entry in _version_entries(record.versions):
            known.setdefault(entry["version"], entry)
        state.versions = [known[number] for number in sorted(known)]
        state.version = max(state.version, max(known))

    v1 = _v1_date(record)
    if v1 is not None and (state.published is None or state.published_is_estimate):
        state.published = v1
        state.published_is_estimate = False
    elif record.published is not None and state.published is None:
        state.published = record.published
    elif state.published_is_estimate and record.listed_on is not None and state.listed_on is None:
        # arXiv's listing day replaces a featured day or the id's month as the stand-in.
        state.published = estimate_published(record)
    if state.published is None:
        state.published = estimate_published(record)
        state.published_is_estimate = True

    if record.updated is not None and (state.updated is None or record.updated > state.updated):
        state.updated = record.updated
    if state.updated is None or state.updated < state.published:
        state.updated = state.published
    if record.listed_on is not None and (
        state.listed_on is None or record.listed_on < state.listed_on
    ):
        state.listed_on = record.listed_on
    seen_on = _seen_on(record)
    if seen_on is not None and (state.last_seen_on is None or seen_on > state.last_seen_on):
        state.last_seen_on = seen_on
    sources = list(state.sources or [])
    if record.source not in sources:
        sources.append(record.source)
        state.sources = sources

    # A later sighting that brings nothing else new is not an update of the paper (the state
    # still differs, so the upsert stores the new ``last_seen_on``).
    changed = existing is None or any(
        getattr(state, name) != getattr(existing, name)
        for name in PaperState.__slots__
        if name != "last_seen_on"
    )
    return state, changed


def _merge_abstract(state: PaperState, record: PaperRecord, *, newer: bool) -> None:
    """arXiv's abstract always wins over a stand-in (an HF page's text); a stand-in only fills an
    empty abstract or replaces an older stand-in (a page seen on a later day), so reading the same
    pages again in any order changes nothing."""
    if record.abstract is None:
        return
    if record.abstract_source:
        if state.abstract and (not state.abstract_source or not newer):
            return
    elif not (newer or not state.abstract or state.abstract_source):
        return
    state.abstract = record.abstract
    state.abstract_source = record.abstract_source


def distinct_authors(names: list[str], keys: list[str] | None = None) -> list[str]:
    """The names in order, a person listed twice on one paper kept once (first spelling).

    ``keys``: each name's :func:`author_key`, in order, when a parsing process folded them
    already (``PaperRecord.author_keys``). Most papers list each person once: then a copy.
    """
    if keys is None or len(keys) != len(names):
        keys = list(map(author_key, names))
    if len(set(keys)) == len(keys):
        return list(names)
    seen: set[str] = set()
    kept = []
    for name, key in zip(names, keys, strict=True):
        if key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


def _seen_on(record: PaperRecord) -> date | None:
    """The day a version-less source showed the paper: its listing day or featured day."""
    if record.listed_on is not None:
        return record.listed_on
    return record.featured.day if record.featured is not None else None


def _is_newer(existing: PaperState, record: PaperRecord) -> bool:
    if record.version is not None and record.version != existing.version:
        return record.version > existing.version
    # A listing or an HF page shows one paper (of one version) on several days, each with that
    # day's metadata. The latest day wins whatever order the days are read in; an earlier or the
    # same day only fills gaps, so a second reading of the same days changes nothing.
    seen_on = _seen_on(record)
    return seen_on is None or existing.last_seen_on is None or seen_on > existing.last_seen_on


def _v1_date(record: PaperRecord) -> datetime | None:
    """The real first-version date when the record knows it."""
    if record.versions:
        for number, when in record.versions:
            if number == 1:
                return when
    # A published date from a source that reports v1 dates (arXiv API, HF) is the v1 date.
    return record.published
