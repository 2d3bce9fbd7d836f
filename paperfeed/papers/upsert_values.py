"""Values between the merge's states and the catalogue's columns, both ways: what a stored
value is to the merge (SQLite gives JSON, dates and times as text), and what a merged value is
sent as (``upsert.row_converter`` builds a paper row from these)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from django.db import connection, models


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_db(field: models.Field[Any, Any], value: Any) -> Any:
    """A raw column value as the merge holds it (SQLite gives JSON, dates, times as text)."""
    if isinstance(field, models.JSONField):
        return (json.loads(value) if isinstance(value, str) else value) or None
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return _as_datetime(value)
    if isinstance(field, models.DateField):
        return date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(field, models.BooleanField):
        return bool(value)
    return value


@lru_cache(maxsize=8192)
def _sqlite_datetime(value: datetime | None) -> str | None:
    """A datetime as SQLite columns hold it: naive UTC text ("2025-03-18 00:00:00[.ffffff]"),
    exactly what Django's SQLite backend writes (its own adapter costs ~9 µs a call here).

    Cached: an import's dates repeat (a listing's papers share its day at midnight), and equal
    datetimes are equal instants, whose UTC text is the same."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _aware(value: datetime | None) -> datetime | None:
    """A datetime for a binary ``timestamptz``: a naive one is UTC, as the text format had the
    server read it (Django's connection's time zone)."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def conversion(field: models.Field[Any, Any]) -> tuple[Any, Callable[[Any], Any] | None]:
    """How one column's merged value becomes the parameter the backend stores: (what stands for
    None, if anything; a function of the value, or None to send it as it is). Built once per
    batch: asking Django's connection proxy for its vendor or ops costs µs, once per value.

    On PostgreSQL the rows go by binary ``COPY`` (``core.bulk.copy_rows``): JSON as the Python
    object, dates as ``date``, times as aware ``datetime``; on SQLite as the text it stores."""
    default = None if field.null else field.get_default()
    postgres = connection.vendor == "postgresql"
    if isinstance(field, models.JSONField):
        empty = default if default is not None else []
        if postgres:
            return empty, None
        text = json.dumps(empty)
        return None, lambda value: text if value is None else json.dumps(value)
    if isinstance(field, models.DateTimeField):
        return default, _aware if postgres else _sqlite_datetime
    if isinstance(field, models.DateField) and not postgres:
        return default, connection.ops.adapt_datefield_value
    return default, None
