"""Reads of the catalogue that the site, the JSON API, the feeds and the digest share.

Every list selector takes keyword-only arguments and returns typed rows
(:class:`paperfeed.papers.rows.PaperRow`) with everything a card needs loaded in a fixed number
of queries: authors, categories, the source's upvote count, the first featured day.
:attr:`PaperRow.upvotes` is the one upvote number every surface shows. Hidden papers are never
returned (``Paper.objects.visible()``), nor entries a curator hid (``Featured.objects.listed()``);
counts come from the stored counters, never COUNT(*) per paper.

:func:`featured_list` is THE featured list of a day, ISO week or month, for the pages,
``/api/daily_papers``, the featured feeds and the digest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Q, When, Window

from paperfeed.core.caching import cached_count
from paperfeed.core.compiled import Compiled, compile_query
from paperfeed.core.readahead import stamp
from paperfeed.papers import search, shown_parts
from paperfeed.papers.ids import InvalidArxivId, normalize_arxiv_id
from paperfeed.papers.models import (
    STUB,
    Featured,
    Paper,
    PaperCategory,
    visible_through,
)
from paperfeed.papers.periods import Period
from paperfeed.papers.row_selectors import papers_by_ids, rows_for
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.search import COUNT_CAP

# Upper bounds on what one request may ask for, whatever the caller passes.
MAX_LIMIT = 200
MAX_OFFSET = 10_000
# Rows new_papers() may walk in the newest-first index before it prefers a sort instead.
SCAN_BUDGET = 20_000

# rank: pinned first, then the one upvote count (source + local), then the earlier-featured,
# then the newer paper. newest: the newest featured day first, each day in rank order (the HF
# API's sort=publishedAt).
FeaturedOrder = Literal["rank", "newest"]
FEATURED_ORDERS: tuple[FeaturedOrder, ...] = ("rank", "newest")
_RANK = ("-pinned", "-upvotes", "listed_day", "-paper_id")


def clamp(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(int(limit), MAX_LIMIT)), max(0, min(int(offset), MAX_OFFSET))


def latest_featured_day() -> date | None:
    """The most recent day with at least one listed featured paper."""
    return Featured.objects.listed().order_by("-day").values_list("day", flat=True).first()


def nearest_featured_days(*, day: date) -> tuple[date | None, date | None]:
    """The closest days before and after ``day`` that have featured papers."""
    listed = Featured.objects.listed()
    before = listed.filter(day__lt=day).order_by("-day").values_list("day", flat=True).first()
    after = listed.filter(day__gt=day).order_by("day").values_list("day", flat=True).first()
    return before, after


def featured_list(
    *,
    period: Period | None,
    order: FeaturedOrder = "rank",
    submitter: str | None = None,
    limit: int = 50,
    offset: int = 0,
    listed_on: Literal["first", "last"] = "first",
) -> tuple[list[PaperRow], int]:
    """The papers featured in ``period`` (every day when None), one page of them, and the total.

    A paper featured on several days of the period appears once, on the first of them
    (``row.featured_day``, whose entry gives ``row.submitter``), or on the last of them with
    ``listed_on="last"`` (the daily feed, where each paper keeps its newest day). Entries a curator
    hid are left out; one pinned on any day of the period is pinned. ``order`` is ``"rank"`` (pinned
    first, then :attr:`PaperRow.upvotes`, then the earlier-featured, then the newer paper) or
    ``"newest"`` (newest first day first, then rank). ``submitter`` keeps the entries put there by
    that member or source submitter (case-insensitive).

    The total is the number of papers in the list, except for every day newest first
    (``period=None, order="newest"``, the JSON API's default), where it is a lower bound that
    still exceeds ``offset + limit`` exactly when a next page exists: counting the whole history
    would cost more than the page.
    """
    page, total = featured_ranked(
        period=period,
        order=order,
        submitter=submitter,
        limit=limit,
        offset=offset,
        listed_on=listed_on,
    )
    if not page:
        return [], total
    rows = papers_by_ids(ids=[entry["paper_id"] for entry in page], featured=False)
    by_id = {entry["paper_id"]: entry for entry in page}
    submitters = featured_submitters({(entry["paper_id"], entry["listed_day"]) for entry in page})
    for row in rows:
        entry = by_id[row.paper.pk]
        row.featured_day = entry["listed_day"]
        row.source_upvotes = entry["source"] or 0
        row.pinned = bool(entry["pinned"])
        row.submitter, row.submitter_fullname = submitters.get(
            (row.paper.pk, entry["listed_day"]), ("", "")
        )
    return rows, total


def featured_ranked(
    *,
    period: Period | None,
    order: FeaturedOrder = "rank",
    submitter: str | None = None,
    limit: int = 50,
    offset: int = 0,
    listed_on: Literal["first", "last"] = "first",
) -> tuple[list[dict[str, Any]], int]:
    """:func:`featured_list`'s page before its rows are read: each entry's paper id, day, pin,
    source and whole count, in the list's order, and the total (one query, two for a page past
    the last). A member's kept list reads it again to learn whether its order still holds."""
    limit, offset = clamp(limit, offset)
    entries = Featured.objects.listed()
    if period is not None:
        entries = entries.filter(day__gte=period.first, day__lte=period.last)
    if submitter:
        entries = entries.filter(
            Q(submitter_name__iexact=submitter) | Q(featured_by__username__iexact=submitter)
        )
    grouped = entries.values("paper_id").annotate(
        listed_day=Min("day") if listed_on == "first" else Max("day"),
        pinned=Max(Case(When(pinned=True, then=1), default=0)),
    )
    ranking = _RANK if order == "rank" else ("-listed_day", *_RANK)

    def ranked_page(candidates: Any) -> list[dict[str, Any]]:
        return list(
            candidates.annotate(
                # Every entry of the paper, not only this period's: the same source count as on
                # every other surface (see rows_for).
                source=Max("paper__featured__upvotes"),
                upvotes=F("source") + F("paper__upvote_count"),
                # The number of papers in the list, with the page: one query fewer than a COUNT.
                window_total=Window(Count("*")),
            ).order_by(*ranking)[offset : offset + limit]
        )

    if period is None and order == "newest":
        # Every day, newest first (the HF API's default): only the newest entries can fill the
        # page, so rank just the papers first featured since a recent day, not the whole history.
        # A cut that holds more papers than this page reaches gives the right page, and its size
        # (the total returned) says truly that a next page exists.
        page = _newest_page(entries, grouped, ranked_page, need=offset + limit + 1)
    else:
        page = ranked_page(grouped)
    if not page:
        return [], grouped.count() if offset else 0
    return page, page[0]["window_total"]


def _newest_page(
    entries: Any, grouped: Any, ranked_page: Callable[[Any], list[dict[str, Any]]], *, need: int
) -> list[dict[str, Any]]:
    """The page of ``grouped`` cut to the papers first featured on or after the newest day that
    leaves at least ``need`` of them (the whole history when none does).

    The ``need``-th newest entry comes from the (day) index in one probe; papers featured then
    but first featured earlier sort after the cut, so when the page's count of the cut falls
    short, the cut moves back and the page is ranked again (rare: one probe and one page query
    in the usual case).
    """
    depth = need
    while True:
        day = entries.order_by("-day").values_list("day", flat=True)[depth - 1 : depth].first()
        if day is None:
            return ranked_page(grouped)
        page = ranked_page(
            grouped.filter(
                paper_id__in=entries.filter(day__gte=day).values("paper_id"), listed_day__gte=day
            )
        )
        if page and page[0]["window_total"] >= need:
            return page
        depth *= 4


def featured_submitters(keys: set[tuple[int, date]]) -> dict[tuple[int, date], tuple[str, str]]:
    """(username or source submitter name, display name) of the entries (paper id, day)."""
    if not keys:
        return {}
    found = Featured.objects.filter(
        paper_id__in={paper_id for paper_id, _ in keys}, day__in={day for _, day in keys}
    ).values_list(
        "paper_id",
        "day",
        "submitter_name",
        "featured_by__username",
        "featured_by__first_name",
        "featured_by__last_name",
    )
    out = {}
    for paper_id, day, source_name, username, first_name, last_name in found:
        if (paper_id, day) not in keys:
            continue
        out[(paper_id, day)] = _submitter(source_name, username, first_name, last_name)
    return out


def _submitter(
    source_name: str, username: str | None, first_name: str | None, last_name: str | None
) -> tuple[str, str]:
    """(name, display name) of whoever featured an entry: the member here, else the source's
    submitter; the display name falls back to the name."""
    name = username or source_name or ""
    fullname = " ".join(part for part in (first_name, last_name) if part)
    return name, fullname or name


# --- One paper ------------------------------------------------------------------------------


def paper_upvotes(*, paper_id: int) -> int:
    """The paper's one upvote count, as :attr:`PaperRow.upvotes` (source + local)."""
    local = Paper.objects.filter(pk=paper_id).values_list("upvote_count", flat=True).first() or 0
    source = Featured.objects.filter(paper_id=paper_id).aggregate(top=Max("upvotes"))["top"]
    return local + (source or 0)


def paper_detail(*, arxiv_id: str) -> PaperRow | None:
    """The visible paper with this id (any accepted form, version ignored), or None; with every
    day it was listed (newest first) and who featured it first. Four queries."""
    try:
        key = normalize_arxiv_id(arxiv_id)
    except InvalidArxivId:
        return None
    paper = (
        Paper.objects.visible().filter(arxiv_id=key).select_related("thumbnail", "glance").first()
    )
    if paper is None:
        return None
    row = rows_for([paper], featured=False)[0]
    entries = list(
        Featured.objects.filter(paper=paper)
        .order_by("-day")
        .values_list(
            "day",
            "upvotes",
            "hidden",
            "submitter_name",
            "featured_by__username",
            "featured_by__first_name",
            "featured_by__last_name",
        )
    )
    # As rows_for: the source's highest count over every entry, the days of the listed ones.
    row.source_upvotes = max((entry[1] for entry in entries), default=0)
    listed = [entry for entry in entries if not entry[2]]
    row.featured_days = [entry[0] for entry in listed]
    if listed:
        first = listed[-1]
        row.featured_day = first[0]
        row.submitter, row.submitter_fullname = _submitter(*first[3:7])
    return row


# The arxiv_id paper_version's query is compiled with (no arXiv id has a "~").
_VERSION_SENTINEL = "~paper-version~"


@functools.lru_cache(maxsize=4)
def _paper_version_sql(connection: object) -> Compiled:
    """paper_version's query, compiled once per connection (core/compiled.py): building this
    grouped query cost a member's paper page more CPU than answering it."""
    query = (
        Paper.objects.filter(arxiv_id=_VERSION_SENTINEL)
        .annotate(
            featured_days=Count("featured"),
            featured_last=Max("featured__day"),
            featured_source=Max("featured__upvotes"),
            featured_pinned=Count("featured", filter=Q(featured__pinned=True)),
            featured_hidden=Count("featured", filter=Q(featured__hidden=True)),
            featured_changed=Max("featured__updated_at"),
        )
        .values_list()
        .order_by("pk")[:1]
    )
    return compile_query(query, [_VERSION_SENTINEL])


@functools.lru_cache(maxsize=4)
def _paper_shown_sql(connection: object, registered: tuple[str, ...]) -> Compiled:
    """paper_shown_query's query (shown_parts.shown_select): plain SQL, one scalar subquery a
    part and none grouped (with the parts as grouping keys PostgreSQL sorted and grouped them:
    more of its CPU)."""
    table = Paper._meta.db_table
    sql = f'{shown_parts.shown_select(registered)} WHERE "{table}"."arxiv_id" = %s'
    return Compiled(sql, ((0, None),), len(Paper._meta.concrete_fields) + 1 + len(registered))


def paper_shown_query(*, arxiv_id: str) -> tuple[Compiled, list[str]] | None:
    """A read of everything a member's paper page shows (its row, featured entries and the
    registered parts), or None for an id no paper can have: a kept body whose read is
    unchanged is kept another interval instead of built again (core/readerslots.py)."""
    if "\0" in arxiv_id:
        return None
    return _paper_shown_sql(connections[DEFAULT_DB_ALIAS], shown_parts.registered()), [arxiv_id]


def paper_version(*, arxiv_id: str) -> str:
    """A digest of the paper's own row and of its featured entries (its days and source
    counts), so a member's shared paper page (core/readerslots.py) is built afresh the moment
    any of them changes, a vote or a comment included; one query. "" for no such paper. The
    page reads the same query with the member's reads and digests it the same way
    (core/readahead.stamp)."""
    found = paper_version_query(arxiv_id=arxiv_id)
    rows = found[0].rows(found[1]) if found is not None else []
    return stamp(rows) if rows else ""


def paper_version_query(*, arxiv_id: str) -> tuple[Compiled, list[str]] | None:
    """paper_version's query and its values (its rows are what the version digests), or None
    for an id no paper can have; a member's paper page reads it with their own reads
    (core/readahead.read_ahead)."""
    if "\0" in arxiv_id:  # no such key, and PostgreSQL refuses a NUL in text
        return None
    return _paper_version_sql(connections[DEFAULT_DB_ALIAS]), [arxiv_id]


def paper_is_listed(*, arxiv_id: str) -> bool:
    """Whether the catalogue shows the paper with this key (one index probe)."""
    return Paper.objects.visible().filter(arxiv_id=arxiv_id).exists()


# --- The whole catalogue ----------------------------------------------------------------------


def _announced_count() -> int:
    """Visible papers that are not stubs: one count of the ``paper_announced`` index."""
    return Paper.objects.visible().exclude(STUB).count()


def new_papers(
    *, category: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[PaperRow], int]:
    """Every visible paper, newest first (by v1 date), optionally in one category; and the total.

    Papers known only from a featured list (``Paper.is_stub``) are left out until arXiv lists
    them: this list follows arXiv's announcements, and they have no announcement date yet.
    """
    page, total = new_page(category=category, limit=limit, offset=offset)
    return rows_for(list(page)), total


def new_page(*, category: str | None, limit: int, offset: int) -> tuple[Any, int]:
    """:func:`new_papers`' page as a query of its papers, not yet run, and the total: a member's
    kept list reads the page's ids again to learn whether they still hold."""
    limit, offset = clamp(limit, offset)
    papers = Paper.objects.visible().exclude(STUB).select_related("thumbnail", "glance")
    # Imports and hides move the catalogue version, so the totals are as fresh as a
    # search's count and need not be recounted every few seconds. Read at most once a call
    # (a category page checks two totals), and only when a count is cached at all.
    version = functools.cache(search.catalogue_version)
    if not category:
        total = cached_count("papers:new:count", _announced_count, version=version)
        return papers.order_by("-published", "-id")[offset : offset + limit], total
    links = PaperCategory.objects.filter(category=category)
    total = cached_count(
        f"papers:new:count:{category}",
        links.filter(visible_through("paper"))
        .exclude(paper__published_is_estimate=True, paper__listed_on__isnull=True)
        .order_by()[:COUNT_CAP]
        .count,
        version=version,
    )
    # Two plans, chosen by how common the category is. Walking the newest-first index and
    # probing each paper's categories stops after about (offset + limit) * catalogue/category
    # rows: best for big categories. For rare ones, sorting the category's few papers is cheaper.
    catalogue = cached_count("papers:new:count", _announced_count, version=version)
    expected_scan = (offset + limit) * catalogue / max(total, 1)
    if expected_scan <= SCAN_BUDGET:
        papers = papers.filter(Exists(links.filter(paper_id=OuterRef("pk"))))
    else:
        papers = papers.filter(pk__in=links.values("paper_id"))
    return papers.order_by("-published", "-id")[offset : offset + limit], total
