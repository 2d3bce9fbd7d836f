"""Reading a reverse one-to-one relation (a paper's thumbnail, its glance) for a list of rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models


def one_to_one_of(objects: Sequence[models.Model], descriptor: Any) -> dict[Any, Any]:
    """The related row of each of ``objects`` that has one, by primary key, through the
    reverse one-to-one ``descriptor`` (``Paper.thumbnail``): from the join when the caller's
    query selected it (``select_related``), else in one query for the rest, never one each."""
    related = descriptor.related
    found: dict[Any, Any] = {}
    missing = []
    for obj in objects:
        if not descriptor.is_cached(obj):
            missing.append(obj.pk)
            continue
        # The joined value itself: the accessor raises DoesNotExist for a row the join found
        # empty, and a search page without thumbnails or glances raised forty of them.
        row = related.get_cached_value(obj)
        if row is not None:
            found[obj.pk] = row
    if missing:
        key = related.field.attname
        rows = related.related_model._default_manager.filter(**{f"{key}__in": missing})
        found.update({getattr(row, key): row for row in rows})
    return found
