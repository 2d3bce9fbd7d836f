"""Everything a member's kept list page shows, read again when the kept body's interval is over
(core/readerslots.py, ``shared_for_members(shown=...)``): when the rows are what the body was
built from, it is kept another interval instead of built again, as a paper page is (S79).

The rows are the page's frame (what the view reads beside its cards: the day, its neighbours,
the total), its papers in the list's order with what orders them, and for each paper the read
of everything a paper shows (``shown_parts.shown_values``: its row, featured entries and the
parts apps register that a card shows: thumbnail, glance, authors, categories, approved
claims; not the paper page's similar papers and charts; digested in the database,
``shown_parts.shown_digest``), which holds every value its card shows
(community.cards.card_key) and more. Not the papers' rows as objects, nor the page's HTML:
building those is what a renewal saves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from paperfeed.papers import selectors, shown_parts
from paperfeed.papers.models import Paper
from paperfeed.papers.periods import Period

Rows = list[tuple[Any, ...]]


def papers_shown(ids: Sequence[int]) -> Rows:
    """What each of the papers ``ids`` shows (one statement), in id order: (id, a digest of
    ``shown_parts.shown_values``)."""
    if not ids:
        return []
    table = Paper._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    select = shown_parts.shown_digest(shown_parts.registered(cards=True))
    sql = f'{select} WHERE "{table}"."id" IN ({marks}) ORDER BY "{table}"."id"'
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, list(ids))
        return [tuple(row) for row in cursor.fetchall()]


def featured_shown(*, period: Period | None, page: int, size: int) -> Rows:
    """A featured list's page (``period`` None: the home page, the latest featured day) as the
    view reads it (papers/views.py ``_featured_page``): the period and the links around it,
    the ranked entries with their submitters, and what their papers show."""
    if period is None:
        day = selectors.latest_featured_day()
        if day is None:
            return [("no featured day",)]
        period = Period.day(day)
    entries, total = selectors.featured_ranked(period=period, limit=size, offset=(page - 1) * size)
    frame: list[Any] = [period.kind, period.first, period.last, total]
    if period.kind == "day":
        frame.extend(selectors.nearest_featured_days(day=period.first))
    if total == 0:
        frame.append(selectors.nearest_featured_days(day=period.first)[0])
        frame.append(selectors.nearest_featured_days(day=period.last)[1])
    keys = {(entry["paper_id"], entry["listed_day"]) for entry in entries}
    submitters = selectors.featured_submitters(keys)
    ranked = [
        (*entry.values(), submitters.get((entry["paper_id"], entry["listed_day"])))
        for entry in entries
    ]
    return [tuple(frame), *ranked, *papers_shown([entry["paper_id"] for entry in entries])]


def new_shown(*, category: str | None, page: int, size: int) -> Rows:
    """``/papers/new``'s page: the total, the papers' ids newest first, what they show."""
    query, total = selectors.new_page(category=category, limit=size, offset=(page - 1) * size)
    ids = list(query.values_list("pk", flat=True))
    return [(total, *ids), *papers_shown(ids)]
