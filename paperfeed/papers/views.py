"""The reading site: featured lists, new papers, paper pages and search.

Views are thin: they parse the URL and query string (any value may be hostile; a bad one gives
a clear 400/404 page, never a 500), call the selectors and render. Anonymous pages are cached
for PAPERFEED_PAGE_CACHE_SECONDS (see :func:`cached_for_anonymous`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from paperfeed.core.caching import anonymous_copy_key
from paperfeed.papers import selectors
from paperfeed.papers.ids import InvalidArxivId, abs_url, arxiv_id_in_query, parse_arxiv_id

FEATURED_PAGE_SIZE = 50
NEW_PAGE_SIZE = 30
SEARCH_PAGE_SIZE = 20
MAX_PAGE = 500
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z-]{1,10})?", re.ASCII)
MIN_YEAR, MAX_YEAR = 1991, 9998


def cached_for_anonymous(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous readers a copy at most PAPERFEED_PAGE_CACHE_SECONDS old.

    That is the freshness bound: an upvote, an import or a curation action shows on cached pages
    within that many seconds. Signed-in readers always get a fresh page, so their own votes
    show at once. The copy is keyed on the full path only (Django's cache_page would key on the
    Cookie header and skip every page that offers a CSRF token, i.e. every page with an upvote
    button), so anonymous pages must not carry per-reader content.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = anonymous_copy_key(request, "page:")
        if key is None:
            return view(request, *args, **kwargs)
        seconds = settings.PAPERFEED_PAGE_CACHE_SECONDS
        hit = cache.get(key)
        if hit is not None:
            status, content_type, content = hit
            response = HttpResponse(content, content_type=content_type, status=status)
        else:
            response = view(request, *args, **kwargs)
            if response.status_code in (200, 404) and not response.streaming:
                cache.set(
                    key,
                    (response.status_code, response["Content-Type"], response.content),
                    seconds,
                )
        patch_cache_control(response, max_age=seconds, public=True)
        return response

    return wrapper


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), MAX_PAGE))
    except ValueError:
        return 1


def _pages(page: int, total: int, size: int) -> dict[str, Any]:
    last = max(1, -(-total // size))
    return {
        "page": page,
        "last_page": last,
        "prev_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < last and page < MAX_PAGE else None,
        "total": total,
    }


def _bad(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(
        request, "papers/message.html", {"message": message, "status": status}, status=status
    )


# --- Periods ----------------------------------------------------------------------------------


def parse_day(value: str) -> date | None:
    match = _DATE.fullmatch(value)
    if not match or not MIN_YEAR <= int(match[1]) <= MAX_YEAR:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_week(value: str) -> date | None:
    """The Monday of ISO week ``YYYY-Www``."""
    match = _WEEK.fullmatch(value)
    if not match or not MIN_YEAR <= int(match[1]) <= MAX_YEAR:
        return None
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def parse_month(value: str) -> date | None:
    match = _MONTH.fullmatch(value)
    if not match or not MIN_YEAR <= int(match[1]) <= MAX_YEAR or not 1 <= int(match[2]) <= 12:
        return None
    return date(int(match[1]), int(match[2]), 1)


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _featured_page(
    request: HttpRequest, *, start: date, end: date, context: dict[str, Any]
) -> HttpResponse:
    page = _page_number(request)
    papers, total = selectors.featured_for_period(
        start=start, end=end, limit=FEATURED_PAGE_SIZE, offset=(page - 1) * FEATURED_PAGE_SIZE
    )
    before, after = (None, None)
    if total == 0:
        before = selectors.nearest_featured_days(day=start)[0]
        after = selectors.nearest_featured_days(day=end)[1]
    context.update(
        papers=papers,
        start=start,
        end=end,
        nearest_before=before,
        nearest_after=after,
        rank_offset=(page - 1) * FEATURED_PAGE_SIZE,
        week=week_label(start),
        month=start.strftime("%Y-%m"),
        **_pages(page, total, FEATURED_PAGE_SIZE),
    )
    return render(request, "papers/featured_list.html", context)


@require_safe
@cached_for_anonymous
def home(request: HttpRequest) -> HttpResponse:
    day = selectors.latest_featured_day()
    if day is None:
        return render(request, "papers/featured_list.html", {"period": "day", "no_featured": True})
    return _daily(request, day, is_home=True)


def _daily(request: HttpRequest, day: date, *, is_home: bool = False) -> HttpResponse:
    before, after = selectors.nearest_featured_days(day=day)
    context = {
        "period": "day",
        "day": day,
        "is_home": is_home,
        "heading": day.strftime("%A, %-d %B %Y"),
        "prev_url": reverse("papers:daily", args=[before.isoformat()]) if before else None,
        "next_url": reverse("papers:daily", args=[after.isoformat()]) if after else None,
        "feed_url": "/feeds/daily.atom",
    }
    return _featured_page(request, start=day, end=day, context=context)


@require_safe
@cached_for_anonymous
def daily(request: HttpRequest, value: str) -> HttpResponse:
    day = parse_day(value)
    if day is None:
        return _bad(request, f"“{value[:40]}” is not a date: use YYYY-MM-DD, e.g. 2026-02-27.")
    return _daily(request, day)


@require_safe
def date_picker(request: HttpRequest) -> HttpResponse:
    """The date form (GET ?date=YYYY-MM-DD) sends the reader to that day's page."""
    value = request.GET.get("date", "")
    if parse_day(value) is None:
        return _bad(request, "Pick a date as YYYY-MM-DD, e.g. 2026-02-27.")
    return redirect("papers:daily", value)


@require_safe
@cached_for_anonymous
def weekly(request: HttpRequest, value: str) -> HttpResponse:
    monday = parse_week(value)
    if monday is None:
        return _bad(request, f"“{value[:40]}” is not an ISO week: use YYYY-Www, e.g. 2026-W09.")
    sunday = monday + timedelta(days=6)
    context = {
        "period": "week",
        "heading": f"Week {week_label(monday)} ({monday:%-d %b} to {sunday:%-d %b %Y})",
        "prev_url": reverse("papers:weekly", args=[week_label(monday - timedelta(days=7))]),
        "next_url": reverse("papers:weekly", args=[week_label(monday + timedelta(days=7))]),
        "day": monday,
        "feed_url": "/feeds/weekly.atom",
    }
    return _featured_page(request, start=monday, end=sunday, context=context)


@require_safe
@cached_for_anonymous
def monthly(request: HttpRequest, value: str) -> HttpResponse:
    first = parse_month(value)
    if first is None:
        return _bad(request, f"“{value[:40]}” is not a month: use YYYY-MM, e.g. 2026-02.")
    context = {
        "period": "month",
        "heading": first.strftime("%B %Y"),
        "prev_url": reverse("papers:monthly", args=[_add_months(first, -1).strftime("%Y-%m")]),
        "next_url": reverse("papers:monthly", args=[_add_months(first, 1).strftime("%Y-%m")]),
        "day": first,
        "feed_url": "/feeds/monthly.atom",
    }
    return _featured_page(request, start=first, end=_month_end(first), context=context)


# --- New and trending -------------------------------------------------------------------------


def _category(request: HttpRequest) -> tuple[str | None, str]:
    value = request.GET.get("category", "").strip()
    if not value:
        return None, ""
    if len(value) > 40 or not _CATEGORY.fullmatch(value):
        return None, f"“{value[:40]}” is not an arXiv category; showing every category."
    return value, ""


@require_safe
@cached_for_anonymous
def new(request: HttpRequest) -> HttpResponse:
    category, message = _category(request)
    page = _page_number(request)
    papers, total = selectors.new_papers(
        category=category, limit=NEW_PAGE_SIZE, offset=(page - 1) * NEW_PAGE_SIZE
    )
    return render(
        request,
        "papers/new_list.html",
        {
            "papers": papers,
            "category": category,
            "message": message,
            "categories": settings.PAPERFEED_CATEGORIES,
            "rank_offset": (page - 1) * NEW_PAGE_SIZE,
            "feed_url": "/feeds/new.atom",
            **_pages(page, total, NEW_PAGE_SIZE),
        },
    )


# --- One paper --------------------------------------------------------------------------------


def bibtex(paper: Any) -> str:
    """A BibTeX @misc entry in the form arXiv itself suggests."""
    names = getattr(paper, "author_names", [])
    first = names[0].split()[-1] if names else "anonymous"
    key_name = re.sub(r"[^a-z]", "", first.lower()) or "paper"
    title_word = next(
        (w for w in re.findall(r"[A-Za-z]+", paper.title.lower()) if len(w) > 3), "paper"
    )
    year = paper.published.year
    fields = [
        ("title", paper.title.replace("{", "").replace("}", "")),
        ("author", " and ".join(names)),
        ("year", str(year)),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category),
        ("url", paper.abs_url),
    ]
    body = ",\n".join(f"  {name}={{{value}}}" for name, value in fields if value)
    return f"@misc{{{key_name}{year}{title_word},\n{body}\n}}"


@require_safe
@cached_for_anonymous
def paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId:
        return _not_found(request, arxiv_id)
    if parsed.version is not None or parsed.id != arxiv_id:
        # 2401.01234v2, arXiv:2401.01234 and abs URLs all have one canonical page.
        return redirect("papers:paper", parsed.id, permanent=True)
    found = selectors.paper_detail(arxiv_id=parsed.id)
    if found is None:
        return _not_found(request, arxiv_id)
    return render(
        request,
        "papers/paper_detail.html",
        {
            "paper": found,
            "bibtex": bibtex(found),
            "canonical_url": settings.SITE_URL + reverse("papers:paper", args=[found.arxiv_id]),
        },
    )


def _not_found(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    return render(
        request,
        "404.html",
        {"message": f"There is no paper “{arxiv_id[:60]}” here.", "query": arxiv_id[:60]},
        status=404,
    )


# --- Search -----------------------------------------------------------------------------------


@require_safe
@cached_for_anonymous
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    sort = request.GET.get("sort", "")
    mode = request.GET.get("mode", "")
    if mode not in selectors.MODES:
        mode = settings.PAPERFEED_SEARCH_DEFAULT_MODE
    arxiv_id = arxiv_id_in_query(query)
    if arxiv_id is not None:
        if selectors.paper_is_listed(arxiv_id=arxiv_id):
            return redirect("papers:paper", arxiv_id)
        return _not_in_catalogue(request, arxiv_id, query=query)
    page = _page_number(request)
    result = (
        selectors.search_papers(
            query=query,
            limit=SEARCH_PAGE_SIZE,
            offset=(page - 1) * SEARCH_PAGE_SIZE,
            sort=sort or "",
            mode=mode,
        )
        if query.strip()
        else None
    )
    return render(
        request,
        "papers/search.html",
        {
            "query": query[:500],
            "sort": sort if sort in selectors.SORTS else "relevance",
            "mode": mode,
            "result": result,
            "papers": result.papers if result else [],
            "rank_offset": (page - 1) * SEARCH_PAGE_SIZE,
            **_pages(page, result.total if result else 0, SEARCH_PAGE_SIZE),
        },
    )


def _not_in_catalogue(request: HttpRequest, arxiv_id: str, *, query: str) -> HttpResponse:
    """A valid id the catalogue lacks: say so and point to arXiv, never list unrelated papers."""
    return render(
        request,
        "papers/search.html",
        {"query": query[:500], "missing_id": arxiv_id, "missing_url": abs_url(arxiv_id)},
    )
