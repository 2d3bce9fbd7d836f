"""The one rule for control characters in text from outside (pure).

PostgreSQL refuses NUL in text while SQLite stores it (which breaks a later move to
PostgreSQL), and XML 1.0 (the feeds) cannot carry any C0 control character but tab, line feed
and carriage return. So those characters, DEL and the two non-characters XML also refuses are
removed from every request's parameters (paperfeed.core.middleware) and from stored text (the
data migrations that call ``stored_text_clean``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def json_has_control_characters(value: Any) -> bool:
    """Whether any string (key or value) inside a decoded JSON document holds one."""
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, dict):
        return any(
            has_control_characters(str(key)) or json_has_control_characters(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(json_has_control_characters(item) for item in value)
    return False


def json_without_control_characters(value: Any) -> Any:
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, dict):
        return {
            without_control_characters(str(key)): json_without_control_characters(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [json_without_control_characters(item) for item in value]
    return value


def stored_text_clean(model: Any, fields: Iterable[str], json_fields: Iterable[str] = ()) -> int:
    """Remove control characters from ``fields`` (text) and ``json_fields`` of every row of
    ``model`` that holds one; return how many rows changed. For data migrations, which pass
    their historical model, so this names no model itself."""
    fields, json_fields = list(fields), list(json_fields)
    changed = 0
    rows = model._default_manager.only("pk", *fields, *json_fields).order_by("pk")
    for row in rows.iterator(chunk_size=2000):
        updates: dict[str, Any] = {}
        for name in fields:
            value = getattr(row, name)
            if isinstance(value, str) and has_control_characters(value):
                updates[name] = without_control_characters(value)
        for name in json_fields:
            value = getattr(row, name)
            if json_has_control_characters(value):
                updates[name] = json_without_control_characters(value)
        if updates:
            model._default_manager.filter(pk=row.pk).update(**updates)
            changed += 1
    return changed
