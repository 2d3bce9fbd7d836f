"""Pages of the trending app: the trending list, how the score works, and setting a paper's
code link."""

from __future__ import annotations

from datetime import date
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from paperfeed.core.caching import cached_for_anonymous
from paperfeed.core.pagination import page_links, page_number
from paperfeed.core.ratelimits import limited, too_many
from paperfeed.core.readerslots import shared_for_members
from paperfeed.papers.list_shown import Rows
from paperfeed.papers.models import Paper
from paperfeed.papers.periods import BadPeriod, parse_period
from paperfeed.papers.views import FEATURED_PAGE_SIZE, bad_request, category_from_request
from paperfeed.trending import links, list_shown, scores, selectors
from paperfeed.trending.ranking import WINDOW_DAYS

MAX_URL_INPUT = 2000
# No catalogue has trending signal before arXiv's first year.
FIRST_REPLAY_DAY = date(1991, 8, 1)
# A replay is computed on the fly (about a second at 76 k papers): a cap per address keeps a
# crawler walking every past day from pinning the workers. Cached copies do not count.
REPLAY_RATE = "30/m"


def _window(request: HttpRequest) -> str:
    window = request.GET.get("window", "week")
    return window if window in WINDOW_DAYS else "week"


def _with_code(request: HttpRequest) -> bool:
    return request.GET.get("code") in {"1", "true", "on"}


def _trending_shown(request: HttpRequest) -> Rows | None:
    """Everything a member's kept trending list shows (trending/list_shown.py); None for a
    replay (``?as_of=``, scored on the fly): built again after each interval."""
    if request.GET.get("as_of", "").strip():
        return None
    return list_shown.trending_shown(
        window=_window(request),
        category=category_from_request(request)[0],
        with_code=_with_code(request),
        page=page_number(request),
        size=FEATURED_PAGE_SIZE,
    )


@require_safe
@cached_for_anonymous
@shared_for_members(shown=_trending_shown)
def trending(request: HttpRequest) -> HttpResponse:
    category, message = category_from_request(request)
    window = _window(request)
    as_of: date | None = None
    raw_as_of = request.GET.get("as_of", "").strip()
    if raw_as_of:
        try:
            as_of = parse_period("day", raw_as_of[:20], name="as_of").first
        except BadPeriod:
            return bad_request(
                request, f"as_of must be a date written YYYY-MM-DD, not “{raw_as_of[:20]}”."
            )
        today = timezone.now().date()
        if as_of > today:
            return bad_request(
                request,
                f"as_of {as_of:%Y-%m-%d} is in the future: trending can only be replayed up to "
                f"today ({today:%Y-%m-%d}).",
            )
        if as_of < FIRST_REPLAY_DAY:
            return bad_request(request, f"as_of must be on or after {FIRST_REPLAY_DAY:%Y-%m-%d}.")
        if limited(request, group="trending_replay", key="ip", rate=REPLAY_RATE):
            return too_many(request, "trending replays")
    with_code = _with_code(request)
    page = page_number(request)
    listing = selectors.trending_papers(
        window=window,
        category=category,
        with_code=with_code,
        limit=FEATURED_PAGE_SIZE,
        offset=(page - 1) * FEATURED_PAGE_SIZE,
        as_of=as_of,
    )
    # The sparkline series are read only for the cards not in the card cache: a cached card
    # is keyed on its score's moment and the window, which fix its series.
    prepare_cards = partial(
        selectors.attach_histories,
        days=max(WINDOW_DAYS[window], 30),
        anchor=selectors.history_anchor(listing.rows),
    )
    return render(
        request,
        "trending/trending_list.html",
        {
            "prepare_cards": prepare_cards,
            "rows": listing.rows,
            "listing": listing,
            "window": window,
            "windows": list(WINDOW_DAYS),
            "category": category,
            "with_code": with_code,
            "as_of": listing.as_of,
            "replay_query": f"&as_of={as_of:%Y-%m-%d}" if as_of else "",
            "message": message,
            "categories": settings.PAPERFEED_CATEGORIES,
            "rank_offset": (page - 1) * FEATURED_PAGE_SIZE,
            "feed_url": "/feeds/trending.atom",
            "here": "trending",
            **page_links(page, listing.total, FEATURED_PAGE_SIZE),
        },
    )


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    params = scores.score_params()
    return render(
        request,
        "trending/about.html",
        {
            "params": params,
            "windows": WINDOW_DAYS,
            "run": selectors.last_run(),
            "refresh_minutes": settings.PAPERFEED_STARS_REFRESH_MINUTES,
            "recompute_minutes": settings.PAPERFEED_TRENDING_RECOMPUTE_MINUTES,
            "budget": settings.PAPERFEED_STARS_BUDGET,
            "authenticated_github": bool(settings.GITHUB_TOKEN),
            "here": "trending",
        },
    )


@require_POST
def code_link(request: HttpRequest, paper_id: int) -> HttpResponse:
    """Set, change or clear a paper's code link (authors, submitters, curators)."""
    paper = get_object_or_404(Paper.objects.visible(), pk=paper_id)
    back = reverse("papers:paper", args=[paper.arxiv_id])
    if not request.user.is_authenticated:
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={back}")
    if limited(request, group="code_link", key="user", rate=settings.PAPERFEED_RATE_CODE_LINK):
        return too_many(request, "code link changes")
    url = request.POST.get("code_url", "")
    if len(url) > MAX_URL_INPUT:
        messages.error(request, "That link is far too long to be a repository address.")
        return redirect(back)
    try:
        links.paper_code_link_set(paper=paper, user=request.user, url=url)
    except links.CodeLinkRefused as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, "Code link saved." if url.strip() else "Code link cleared.")
    return redirect(back)
