"""The records every parser yields, whatever the source.

Parsers turn bytes into these plain objects and know nothing of Django or the database; the
ingest service merges them into the catalogue. ``None`` always means "this source did not say",
so the upsert keeps whatever is already stored for that field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any

# Generous limits: real titles are under 300 characters and abstracts under 2,000 words.
# Anything beyond these is hostile or broken input, and is rejected rather than truncated.
MAX_TITLE = 1_000
MAX_ABSTRACT = 20_000
# Collaboration papers list 3,000+ authors, and a few real names run past 500 characters.
MAX_AUTHORS = 10_000
MAX_AUTHOR_NAME = 1_000
# And in bytes: on PostgreSQL the name sits in the (paper, position) index's leaf (migration
# 0021), whose entries cannot pass 2,704 bytes; 1,000 characters of CJK text are 3,000. A
# name of up to a quarter of this in characters is within it whatever the characters.
MAX_AUTHOR_NAME_BYTES = 2_000
MAX_FIELD = 5_000
# Errors kept per import run, so a broken input cannot grow its record without bound.
MAX_STORED_ERRORS = 200


@dataclass(slots=True)
class FeaturedRecord:
    """A paper shown on a source's featured list (e.g. the HF daily papers) on one day."""

    day: date
    upvotes: int = 0
    submitter: str = ""
    comment: str = ""


@dataclass(slots=True)
class PaperRecord:
    arxiv_id: str
    source: str
    version: int | None = None
    title: str | None = None
    abstract: str | None = None
    # Where ``abstract`` comes from when it is not arXiv's own: "hf_scrape" for an HF page's
    # text the parser judged to be the abstract. "" means arXiv's (or a copy of it).
    abstract_source: str = ""
    authors: list[str] | None = None
    # Primary category first.
    categories: list[str] | None = None
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    # (version number, date of that version), oldest first.
    versions: list[tuple[int, datetime]] | None = None
    code_url: str | None = None
    code_stars: int | None = None
    project_page: str | None = None
    # The day a daily listing showed this paper (first announcement, roughly).
    listed_on: date | None = None
    featured: FeaturedRecord | None = None
    # Each name of ``authors`` folded to its person's key (``merge.author_key``), in order: a
    # parsing process folds them on its own core (``parsers.detect.iter_checked_records``) so
    # that the importer does not. None: not folded yet. Derived, so no part of a record's
    # identity (two records of the same names are equal whether folded or not).
    author_keys: list[str] | None = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> tuple[type[PaperRecord], tuple[Any, ...]]:
        # How a parsing process hands records over (pickle): the values in field order, given
        # back to __init__. A slotted dataclass's default pickling sets each field in a Python
        # loop; this halves what unpickling a batch costs the importer.
        return PaperRecord, _record_values(self)


_record_values = attrgetter(*(item.name for item in fields(PaperRecord)))


@dataclass
class UpsertSummary:
    """What an import did with its records: counts, and the first errors in words."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def reject(self, reason: str, arxiv_id: str | None = None, location: str = "") -> None:
        self.rejected += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"id": arxiv_id or "", "reason": reason, "location": location})

    def add(self, other: UpsertSummary) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        room = MAX_STORED_ERRORS - len(self.errors)
        self.errors.extend(other.errors[: max(room, 0)])

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


@dataclass(slots=True)
class Rejected:
    """A record that could not be imported, and why (in words an operator understands)."""

    reason: str
    arxiv_id: str | None = None
    location: str = ""


_TEXT_FIELDS = (
    "title",
    "abstract",
    "comments",
    "journal_ref",
    "doi",
    "license",
    "code_url",
    "project_page",
)


_text_values = attrgetter(*_TEXT_FIELDS)


def strip_nul(record: PaperRecord) -> bool:
    """Remove NUL characters, which PostgreSQL cannot store in text, from every text field;
    True when there were any.

    Parsers already drop control characters; this guards records built any other way.
    """
    texts = [value for value in _text_values(record) if value is not None]
    if record.authors:
        texts += record.authors
    featured = record.featured
    if featured is not None:
        texts += (featured.submitter, featured.comment)
    # One search of all the texts at once: a record almost never holds a NUL.
    if "\x00" not in "".join(texts):
        return False
    for name in _TEXT_FIELDS:
        value = getattr(record, name)
        if value is not None and "\x00" in value:
            setattr(record, name, value.replace("\x00", ""))
    if record.authors is not None and any("\x00" in name for name in record.authors):
        record.authors = [name.replace("\x00", "") for name in record.authors]
    if featured is not None:
        featured.submitter = featured.submitter.replace("\x00", "")
        featured.comment = featured.comment.replace("\x00", "")
    return True


def upsert_problem(record: PaperRecord, *, checked: bool = False) -> str | None:
    """What ``papers_upsert`` does to each record before merging it: strip NUL characters, then
    say why the record is unacceptable (None when it may be stored). A parsing process runs it
    on its own core, so that the importer can skip it (``papers_upsert(checked=True)``).

    ``checked``: the record already passed :func:`check_record` (every parser's records do:
    ``ingest.parsers._common.finish``), so it is checked again only if stripping changed it.
    """
    if strip_nul(record):
        record.author_keys = None  # folded from the names before the strip
        return check_record(record)
    return None if checked else check_record(record)


def author_name_too_long(name: str) -> bool:
    """Past :data:`MAX_AUTHOR_NAME_BYTES` in UTF-8: the one rule for the import and the admin.
    A name of up to a quarter of the bound in characters is within it whatever they are, so
    most names are never encoded."""
    return len(name) > MAX_AUTHOR_NAME_BYTES // 4 and len(name.encode()) > MAX_AUTHOR_NAME_BYTES


def check_record(record: PaperRecord) -> str | None:
    """Return why ``record`` is unacceptable, or None when it may be stored."""
    if record.title is not None:
        if not record.title:
            return "empty title"
        if len(record.title) > MAX_TITLE:
            return f"title longer than {MAX_TITLE} characters ({len(record.title)})"
    if record.abstract is not None and len(record.abstract) > MAX_ABSTRACT:
        return f"abstract longer than {MAX_ABSTRACT} characters ({len(record.abstract)})"
    if record.authors:
        if len(record.authors) > MAX_AUTHORS:
            return f"more than {MAX_AUTHORS} authors"
        # The longest name first: only one of over a quarter of the byte bound can pass it.
        longest = max(map(len, record.authors))
        if longest > MAX_AUTHOR_NAME:
            return f"an author name longer than {MAX_AUTHOR_NAME} characters"
        if longest > MAX_AUTHOR_NAME_BYTES // 4 and any(
            author_name_too_long(name) for name in record.authors
        ):
            return f"an author name longer than {MAX_AUTHOR_NAME_BYTES} bytes"
    for name, value in zip(_LIMITED_FIELDS, _limited_values(record), strict=True):
        if value is not None and len(value) > MAX_FIELD:
            return f"{name} longer than {MAX_FIELD} characters"
    return None


_LIMITED_FIELDS = ("comments", "journal_ref", "doi", "license", "code_url", "project_page")
_limited_values = attrgetter(*_LIMITED_FIELDS)
