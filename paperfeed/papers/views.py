"""The reading site: featured lists, new papers, paper pages and search.

Views are thin: they parse the URL and query string (any value may be hostile; a bad one gives
a clear 400/404 page, never a 500), call the selectors and render. Anonymous pages are cached
for PAPERFEED_PAGE_CACHE_SECONDS (see :func:`paperfeed.core.caching.cached_for_anonymous`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from paperfeed.core.anonpath import lean_for_anonymous
from paperfeed.core.caching import cached_for_anonymous
from paperfeed.core.pagination import page_links, page_number
from paperfeed.core.readahead import Read
from paperfeed.core.readerslots import shared_for_members
from paperfeed.papers import author_selectors, list_shown, search_page, search_selectors, selectors
from paperfeed.papers.categories import InvalidCategory, parse_category
from paperfeed.papers.citation import bibtex
from paperfeed.papers.ids import InvalidArxivId, abs_url, arxiv_id_in_query, parse_arxiv_id
from paperfeed.papers.list_shown import Rows
from paperfeed.papers.periods import BadPeriod, Period, PeriodKind, parse_period
from paperfeed.papers.templatetags.papers_tags import author_url
from paperfeed.papers.thumbnails import CONTENT_TYPE, thumbnail_path

FEATURED_PAGE_SIZE = 50
NEW_PAGE_SIZE = 30
SEARCH_PAGE_SIZE = 20
_ROUTES: dict[str, str] = {
    "day": "papers:daily",
    "week": "papers:weekly",
    "month": "papers:monthly",
}
_FEEDS: dict[str, str] = {
    "day": "/feeds/daily.atom",
    "week": "/feeds/weekly.atom",
    "month": "/feeds/monthly.atom",
}


def bad_request(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """The reading site's page for a request it cannot answer, with the reason."""
    return render(
        request, "papers/message.html", {"message": message, "status": status}, status=status
    )


# --- Featured lists ---------------------------------------------------------------------------


def _heading(period: Period) -> str:
    if period.kind == "day":
        return period.first.strftime("%A, %-d %B %Y")
    if period.kind == "week":
        return f"Week {period.label} ({period.first:%-d %b} to {period.last:%-d %b %Y})"
    return period.first.strftime("%B %Y")


def _featured_page(request: HttpRequest, period: Period, *, is_home: bool = False) -> HttpResponse:
    page = page_number(request)
    rows, total = selectors.featured_list(
        period=period, limit=FEATURED_PAGE_SIZE, offset=(page - 1) * FEATURED_PAGE_SIZE
    )
    route = _ROUTES[period.kind]
    if period.kind == "day":
        # Days step to the nearest day that has papers; weeks and months step one at a time.
        before, after = selectors.nearest_featured_days(day=period.first)
        prev_url = reverse(route, args=[before.isoformat()]) if before else None
        next_url = reverse(route, args=[after.isoformat()]) if after else None
    else:
        prev_url = reverse(route, args=[period.shifted(-1).label])
        next_url = reverse(route, args=[period.shifted(1).label])
    nearest_before = nearest_after = None
    if total == 0:
        nearest_before = selectors.nearest_featured_days(day=period.first)[0]
        nearest_after = selectors.nearest_featured_days(day=period.last)[1]
    context = {
        "period": period.kind,
        "day": period.first,
        "is_home": is_home,
        "heading": _heading(period),
        "prev_url": prev_url,
        "next_url": next_url,
        "feed_url": _FEEDS[period.kind],
        "papers": rows,
        "start": period.first,
        "end": period.last,
        "nearest_before": nearest_before,
        "nearest_after": nearest_after,
        "rank_offset": (page - 1) * FEATURED_PAGE_SIZE,
        "week": Period.week_of(period.first).label,
        "month": Period.month_of(period.first).label,
        **page_links(page, total, FEATURED_PAGE_SIZE),
    }
    return render(request, "papers/featured_list.html", context)


def _featured_shown(request: HttpRequest, kind: PeriodKind | None, value: str) -> Rows | None:
    """Everything a member's kept featured list shows (papers/list_shown.py): read when its
    interval is over, and unchanged, the body is kept another interval instead of built
    again."""
    try:
        period = parse_period(kind, value) if kind is not None else None
    except BadPeriod:
        return None
    size = FEATURED_PAGE_SIZE
    return list_shown.featured_shown(period=period, page=page_number(request), size=size)


def _period_shown(kind: PeriodKind) -> Callable[[HttpRequest, str], Rows | None]:
    return lambda request, value: _featured_shown(request, kind, value)


@require_safe
@cached_for_anonymous
@shared_for_members(shown=lambda request: _featured_shown(request, None, ""))
def home(request: HttpRequest) -> HttpResponse:
    day = selectors.latest_featured_day()
    if day is None:
        return render(request, "papers/featured_list.html", {"period": "day", "no_featured": True})
    return _featured_page(request, Period.day(day), is_home=True)


def _period_page(request: HttpRequest, kind: PeriodKind, value: str) -> HttpResponse:
    try:
        period = parse_period(kind, value)
    except BadPeriod as exc:
        return bad_request(request, exc.message[:1].upper() + exc.message[1:] + ".")
    return _featured_page(request, period)


@require_safe
@cached_for_anonymous
@shared_for_members(shown=_period_shown("day"))
def daily(request: HttpRequest, value: str) -> HttpResponse:
    return _period_page(request, "day", value)


@require_safe
def date_picker(request: HttpRequest) -> HttpResponse:
    """The date form (GET ?date=YYYY-MM-DD) sends the reader to that day's page."""
    try:
        period = parse_period("day", request.GET.get("date", ""))
    except BadPeriod:
        return bad_request(request, "Pick a date as YYYY-MM-DD, e.g. 2026-02-27.")
    return redirect("papers:daily", period.label)


@require_safe
@cached_for_anonymous
@shared_for_members(shown=_period_shown("week"))
def weekly(request: HttpRequest, value: str) -> HttpResponse:
    return _period_page(request, "week", value)


@require_safe
@cached_for_anonymous
@shared_for_members(shown=_period_shown("month"))
def monthly(request: HttpRequest, value: str) -> HttpResponse:
    return _period_page(request, "month", value)


# --- New and trending -------------------------------------------------------------------------


def category_from_request(request: HttpRequest) -> tuple[str | None, str]:
    """The ``?category=`` of a list page, or None with a message saying why it was ignored."""
    value = request.GET.get("category", "").strip()
    if not value:
        return None, ""
    try:
        return parse_category(value), ""
    except InvalidCategory as exc:
        return None, f"{exc} Showing every category."


def _new_shown(request: HttpRequest) -> Rows:
    """Everything a member's kept ``/papers/new`` shows (papers/list_shown.py)."""
    category = category_from_request(request)[0]
    page = page_number(request)
    return list_shown.new_shown(category=category, page=page, size=NEW_PAGE_SIZE)


@require_safe
@cached_for_anonymous
@shared_for_members(shown=_new_shown)
def new(request: HttpRequest) -> HttpResponse:
    category, message = category_from_request(request)
    page = page_number(request)
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
            **page_links(page, total, NEW_PAGE_SIZE),
        },
    )


# --- One paper --------------------------------------------------------------------------------


def _paper_version(request: HttpRequest, arxiv_id: str) -> Read | None:
    """A member's shared paper page is rebuilt when the paper's row or its featured entries
    change (see selectors.paper_version): their vote or comment, an edit, shows at once."""
    found = selectors.paper_version_query(arxiv_id=arxiv_id[:64])
    if found is None:
        return None
    query, values = found
    return Read(("paper-version", arxiv_id[:64]), query, values)


def _paper_shown(request: HttpRequest, arxiv_id: str) -> Read | None:
    """Everything a member's shared paper page shows (selectors.paper_shown_query): read once
    its interval is over, and the same as the body was built from, the body is kept another
    interval instead of built again."""
    found = selectors.paper_shown_query(arxiv_id=arxiv_id[:64])
    if found is None:
        return None
    query, values = found
    return Read(("paper-shown", arxiv_id[:64]), query, values)


@require_safe
@cached_for_anonymous
@shared_for_members(version=_paper_version, shown=_paper_shown)
def paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId:
        return _not_found(request, arxiv_id)
    if parsed.version is not None or parsed.id != arxiv_id:
        # 2401.01234v2, arXiv:2401.01234 and abs URLs all have one canonical page.
        return redirect("papers:paper", parsed.id, permanent=True)
    row = selectors.paper_detail(arxiv_id=parsed.id)
    if row is None:
        return _not_found(request, arxiv_id)
    return render(
        request,
        "papers/paper_detail.html",
        {
            "row": row,
            "paper": row.paper,
            "bibtex": bibtex(row),
            "canonical_url": settings.SITE_URL + reverse("papers:paper", args=[row.paper.arxiv_id]),
        },
    )


@require_safe
def thumbnail(request: HttpRequest, arxiv_id: str) -> HttpResponseBase:
    """A paper's first-page image, straight from the file (no query): cached for a year when
    asked for by its versioned URL (``?v=``, see papers/thumbnails.py), a day otherwise."""
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId:
        return HttpResponse("Not an arXiv id.", status=404, content_type="text/plain")
    path = thumbnail_path(parsed.id)
    try:
        stat = path.stat()
    except OSError:
        return HttpResponse("No thumbnail for this paper.", status=404, content_type="text/plain")
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    response: HttpResponseBase
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = FileResponse(path.open("rb"), content_type=CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if "v" in request.GET else "public, max-age=86400"
    )
    return response


def _not_found(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    return render(
        request,
        "404.html",
        {"message": f"There is no paper “{arxiv_id[:60]}” here.", "query": arxiv_id[:60]},
        status=404,
    )


# --- Search -----------------------------------------------------------------------------------


@lean_for_anonymous("papers:search", params=("q", "sort", "mode", "page"))
@require_safe
@cached_for_anonymous
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    sort = request.GET.get("sort", "")
    mode = request.GET.get("mode", "")
    if mode not in search_selectors.MODES:
        mode = settings.PAPERFEED_SEARCH_DEFAULT_MODE
    arxiv_id = arxiv_id_in_query(query)
    if arxiv_id is not None:
        if selectors.paper_is_listed(arxiv_id=arxiv_id):
            return redirect("papers:paper", arxiv_id)
        return _not_in_catalogue(request, arxiv_id, query=query)
    shown_sort = sort if sort in search_selectors.SORTS else "relevance"
    if not query.strip():
        return render(
            request, "papers/search.html", {"query": query[:500], "sort": shown_sort, "mode": mode}
        )
    page = page_number(request)
    result = search_selectors.search_papers(
        query=query,
        limit=SEARCH_PAGE_SIZE,
        offset=(page - 1) * SEARCH_PAGE_SIZE,
        sort=sort,
        mode=mode,
        card_only=True,
    )
    return HttpResponse(
        search_page.results_page(
            request,
            query=query[:500],
            sort=shown_sort,
            mode=mode,
            result=result,
            rank_offset=(page - 1) * SEARCH_PAGE_SIZE,
            links=page_links(page, result.total, SEARCH_PAGE_SIZE),
        )
    )


def _not_in_catalogue(request: HttpRequest, arxiv_id: str, *, query: str) -> HttpResponse:
    """A valid id the catalogue lacks: say so and point to arXiv, never list unrelated papers."""
    return render(
        request,
        "papers/search.html",
        {"query": query[:500], "missing_id": arxiv_id, "missing_url": abs_url(arxiv_id)},
    )


# --- Authors ----------------------------------------------------------------------------------

AUTHOR_PAGE_SIZE = 30


@require_safe
@cached_for_anonymous
def author(request: HttpRequest, value: str) -> HttpResponse:
    """Every visible paper of one author identity, newest first, with co-authors, categories
    and (through community's include) the member who claimed it."""
    found = author_selectors.author_lookup(value=value[:300])
    if found is None:
        return render(
            request, "papers/message.html", {"message": "There is no such author here."}, status=404
        )
    canonical = author_url(found.pk, found.name)
    if request.path != canonical:
        query = request.META.get("QUERY_STRING", "")
        return redirect(canonical + (f"?{query}" if query else ""), permanent=True)
    page = page_number(request)
    data = author_selectors.author_page(
        author=found, offset=(page - 1) * AUTHOR_PAGE_SIZE, limit=AUTHOR_PAGE_SIZE
    )
    return render(
        request,
        "papers/author.html",
        {
            "page_data": data,
            "author": found,
            "papers": data.rows,
            "start": (page - 1) * AUTHOR_PAGE_SIZE + 1,
            "canonical_url": settings.SITE_URL + canonical,
            **page_links(page, data.total, AUTHOR_PAGE_SIZE),
        },
    )
