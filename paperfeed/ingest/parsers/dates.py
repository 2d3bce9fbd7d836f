"""arXiv ids and version numbers, and the date formats upstream sources use (pure)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from pathlib import Path

from paperfeed.ingest.parsers.text import BadRecord, strip_surrogates
from paperfeed.papers.ids import InvalidArxivId, parse_arxiv_id

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_YMD = re.compile(r"\d{4}-\d{2}-\d{2}")


# --------------------------------------------------------------------------- ids


def arxiv_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """(catalogue id, version or None) for an id field; :class:`BadRecord` when invalid."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRecord(f"missing arXiv id ({field})")
    if not isinstance(value, str):
        raise BadRecord(f"the arXiv id ({field}) is not text")
    try:
        parsed = parse_arxiv_id(strip_surrogates(value))
    except InvalidArxivId as exc:
        raise BadRecord(f"invalid arXiv id: {exc}") from None
    return parsed.id, parsed.version


def version_number(value: object) -> int:
    """``"v3"`` -> 3; :class:`BadRecord` otherwise."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*[vV]?([0-9]{1,4})\s*", value)
        if match and int(match[1]) >= 1:
            return int(match[1])
    raise BadRecord(f"unreadable version {str(value)[:40]!r}")


# --------------------------------------------------------------------------- dates


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def rfc2822_date(value: object, field: str) -> datetime:
    """``"Mon, 2 Apr 2007 19:18:42 GMT"`` -> aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        raise BadRecord(f"{field} is missing")
    try:
        return _aware(parsedate_to_datetime(value.strip()))
    except (TypeError, ValueError, IndexError, OverflowError):
        raise BadRecord(f"{field} is not a date ({value[:60]!r})") from None


def iso_datetime(value: object, field: str) -> datetime | None:
    """ISO 8601 (``2024-10-22T17:59:30.000Z``, ``2007-03-30``) -> aware UTC datetime or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{field} is not a date")
    raw = value.strip()
    try:
        if _YMD.fullmatch(raw):
            return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=UTC)
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        return _aware(datetime.fromisoformat(raw))
    except ValueError:
        raise BadRecord(f"{field} is not a date ({value[:60]!r})") from None


def day_from_name(name: str) -> date | None:
    """The ``YYYY-MM-DD`` date in a file name, or None."""
    return day_of(_DATE_IN_NAME.search(Path(name).name))


def day_of(match: re.Match[str] | None) -> date | None:
    """The real day a (year, month, day) match names, or None (no match, or no such day)."""
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
