"""RSS 2.0 and Atom 1.0 feeds (django.contrib.syndication), cached, with conditional GET.

Every item has the title, the authors, the abstract, links to the paper page, arXiv, the PDF
and the code, the arXiv categories as ``<category>``, the v1 (or featured) date, and the paper
page URL as its stable unique id.

A rendered feed is kept in the cache for PAPERFEED_FEED_CACHE_SECONDS, so a change (a new
featured day, an upvote) shows in the feeds after at most that long. Each answer carries an
``ETag`` (a hash of the body) and ``Last-Modified`` (the newest item's date); a client that sends
them back gets ``304 Not Modified``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html, format_html_join
from django.utils.http import http_date, parse_http_date_safe

from paperfeed.community.models import Upvote
from paperfeed.core.caching import shared_copy
from paperfeed.papers import row_selectors, search_selectors, selectors
from paperfeed.papers.categories import InvalidCategory, parse_category
from paperfeed.papers.models import visible_through
from paperfeed.papers.periods import Period
from paperfeed.papers.rows import PaperRow
from paperfeed.trending.selectors import trending_papers

MAX_QUERY = 250
# The daily feed carries the latest featured day and the days before it, so that readers who
# poll less than daily miss nothing.
DAILY_FEED_DAYS = 7


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One paper in a feed and the date it is dated by (featured day, vote, or v1 date)."""

    row: PaperRow
    when: date | datetime | None = None


def _site() -> str:
    return settings.SITE_URL


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


class PaperAtomFeed(Atom1Feed):
    """Atom with one ``<link rel="related">`` per outside link: arXiv, PDF and code."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for href, title, mime in item.get("related_links", ()):
            attrs = {"rel": "related", "href": href, "title": title}
            if mime:
                attrs["type"] = mime
            handler.addQuickElement("link", "", attrs)


class PaperFeed(Feed):
    """The item methods shared by every paper feed; subclasses say which papers."""

    feed_type: type = Rss201rev2Feed
    description_template = None

    def __init__(self, *, atom: bool = False) -> None:
        super().__init__()
        if atom:
            self.feed_type = PaperAtomFeed

    def subtitle(self, obj: Any) -> str:
        return self.description(obj)

    def description(self, obj: Any) -> str:
        return "Research papers from paperfeed."

    def link(self, obj: Any) -> str:
        return f"{_site()}/"

    # --- items ---

    def item_title(self, item: FeedItem) -> str:
        return item.row.paper.title

    def item_link(self, item: FeedItem) -> str:
        return _paper_url(item.row)

    def item_guid(self, item: FeedItem) -> str:
        return _paper_url(item.row)

    def item_guid_is_permalink(self, item: FeedItem) -> bool:
        return True

    def item_author_name(self, item: FeedItem) -> str:
        return ", ".join(item.row.authors) or "unknown"

    def item_description(self, item: FeedItem) -> str:
        row = item.row
        links = format_html_join(
            " · ", '<a href="{}">{}</a>', ((href, title) for href, title, _ in _links(row))
        )
        return format_html(
            "<p><strong>{}</strong></p><p>{}</p><p>{} upvote{}</p><p>{}</p>",
            ", ".join(row.authors) or "unknown authors",
            row.paper.abstract or "",
            row.upvotes,
            "" if row.upvotes == 1 else "s",
            links,
        )

    def item_categories(self, item: FeedItem) -> list[str]:
        return list(item.row.categories)

    def item_pubdate(self, item: FeedItem) -> datetime:
        return _as_datetime(item.when) if item.when else item.row.paper.published

    def item_updateddate(self, item: FeedItem) -> datetime:
        return max(item.row.paper.updated, self.item_pubdate(item))

    def item_extra_kwargs(self, item: FeedItem) -> dict[str, Any]:
        return {"related_links": _links(item.row)}


def _paper_url(row: PaperRow) -> str:
    return _site() + reverse("papers:paper", args=[row.paper.arxiv_id])


def _links(row: PaperRow) -> list[tuple[str, str, str]]:
    paper = row.paper
    links = [(paper.abs_url, "arXiv", ""), (paper.pdf_url, "PDF", "application/pdf")]
    if paper.code_url:
        links.append((paper.code_url, "Code", ""))
    return links


def _limit() -> int:
    return max(1, min(settings.PAPERFEED_FEED_ITEMS, 200))


class FeaturedFeed(PaperFeed):
    """The featured list of the latest featured day (with the days before it), of its ISO week,
    or of its calendar month: the lists of the daily, weekly and monthly pages, in the same
    order (one selector, :func:`paperfeed.papers.selectors.featured_list`)."""

    def __init__(self, *, kind: str, atom: bool = False) -> None:
        super().__init__(atom=atom)
        self.kind = kind

    def get_object(self, request: HttpRequest) -> Period | None:
        latest = selectors.latest_featured_day()
        if latest is None:
            return None
        if self.kind == "week":
            return Period.week_of(latest)
        if self.kind == "month":
            return Period.month_of(latest)
        return Period.span(latest - timedelta(days=DAILY_FEED_DAYS - 1), latest)

    def title(self, obj: Period | None) -> str:
        return {
            "week": "paperfeed: papers of the week",
            "month": "paperfeed: papers of the month",
        }.get(self.kind, "paperfeed: daily papers")

    def link(self, obj: Period | None) -> str:
        if obj is None or obj.kind == "span":
            return f"{_site()}/"
        route = "papers:weekly" if obj.kind == "week" else "papers:monthly"
        return _site() + reverse(route, args=[obj.label])

    def items(self, obj: Period | None) -> list[FeedItem]:
        if obj is None:
            return []
        if obj.kind != "span":
            rows, _ = selectors.featured_list(period=obj, limit=_limit())
        else:
            # The daily feed: each day as its page lists it, newest day first; a paper featured
            # again later keeps only its newest day (one item per paper id).
            rows, _ = selectors.featured_list(
                period=obj, order="newest", listed_on="last", limit=_limit()
            )
        return [FeedItem(row, row.featured_day) for row in rows]


class TrendingFeed(PaperFeed):
    def title(self, obj: Any) -> str:
        return "paperfeed: trending papers"

    def link(self, obj: Any) -> str:
        return _site() + reverse("trending:trending")

    def items(self, obj: Any) -> list[FeedItem]:
        return [FeedItem(row) for row in trending_papers(window="week", limit=_limit()).rows]


class NewFeed(PaperFeed):
    def get_object(self, request: HttpRequest, category: str | None = None) -> str:
        value = category or request.GET.get("category") or ""
        if not value:
            return ""
        try:
            return parse_category(value)
        except InvalidCategory:
            raise Http404("not an arXiv category") from None

    def title(self, obj: str) -> str:
        return f"paperfeed: new papers in {obj}" if obj else "paperfeed: new papers"

    def link(self, obj: str) -> str:
        return _site() + reverse("papers:new") + (f"?category={obj}" if obj else "")

    def items(self, obj: str) -> list[FeedItem]:
        rows, _ = selectors.new_papers(category=obj or None, limit=_limit())
        return [FeedItem(row) for row in rows]


class SearchFeed(PaperFeed):
    def get_object(self, request: HttpRequest) -> str:
        return request.GET.get("q", "")

    def title(self, obj: str) -> str:
        return f"paperfeed: search for {obj}"

    def link(self, obj: str) -> str:
        return f"{_site()}{reverse('papers:search')}?{urlencode({'q': obj})}"

    def items(self, obj: str) -> list[FeedItem]:
        rows = search_selectors.search_papers(query=obj, limit=_limit(), sort="date").papers
        return [FeedItem(row) for row in rows]


class UpvotesFeed(PaperFeed):
    """The papers one member upvoted, most recent vote first."""

    def get_object(self, request: HttpRequest, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise Http404("no such member")
        return user

    def title(self, obj: User) -> str:
        return f"paperfeed: papers upvoted by {obj.get_username()}"

    def link(self, obj: User) -> str:
        # The member's profile page.
        return _site() + reverse("community:profile", args=[obj.get_username()])

    def items(self, obj: User) -> list[FeedItem]:
        votes = list(
            Upvote.objects.filter(visible_through("paper"), user=obj)
            .order_by("-created_at")
            .values_list("paper_id", "created_at")[: _limit()]
        )
        voted_at = dict(votes)
        rows = row_selectors.papers_by_ids(ids=[paper_id for paper_id, _ in votes])
        return [FeedItem(row, voted_at[row.paper.pk]) for row in rows]


def cached_feed(feed: Feed) -> Callable[..., HttpResponse]:
    """Serve ``feed`` from the cache, with ETag/Last-Modified and 304 answers."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse("Feeds are read with GET.\n", status=405)
            response["Allow"] = "GET, HEAD"
            return response
        if len(request.GET.get("q", "")) > MAX_QUERY:
            return HttpResponseBadRequest(f"q: at most {MAX_QUERY} characters\n")
        key = "feed:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()

        def build() -> tuple[bytes, str, int]:
            rendered = feed(request, *args, **kwargs)
            modified = parse_http_date_safe(rendered.get("Last-Modified", "")) or int(
                datetime.now(UTC).timestamp()
            )
            return rendered.content, rendered["Content-Type"], modified

        stored = shared_copy(key, settings.PAPERFEED_FEED_CACHE_SECONDS, build, request=request)
        body, content_type, modified = stored
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        response = HttpResponse(body, content_type=content_type)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(modified)
        patch_cache_control(response, public=True, max_age=settings.PAPERFEED_FEED_CACHE_SECONDS)
        conditional = get_conditional_response(
            request, etag=etag, last_modified=modified, response=response
        )
        return conditional or response

    return view
