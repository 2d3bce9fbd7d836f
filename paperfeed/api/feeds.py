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
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html, format_html_join
from django.utils.http import http_date, parse_http_date_safe

from paperfeed.api import selectors as api_selectors
from paperfeed.papers import selectors
from paperfeed.papers.models import Paper

MAX_QUERY = 250
_CATEGORY = re.compile(r"^[A-Za-z-]{1,20}(?:\.[A-Za-z-]{1,20})?$", re.ASCII)


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

    def item_title(self, paper: Paper) -> str:
        return paper.title

    def item_link(self, paper: Paper) -> str:
        return f"{_site()}/papers/{paper.arxiv_id}"

    def item_guid(self, paper: Paper) -> str:
        return f"{_site()}/papers/{paper.arxiv_id}"

    def item_guid_is_permalink(self, paper: Paper) -> bool:
        return True

    def item_author_name(self, paper: Paper) -> str:
        names: list[str] = getattr(paper, "author_names", [])
        return ", ".join(names) or "unknown"

    def item_description(self, paper: Paper) -> str:
        names: list[str] = getattr(paper, "author_names", [])
        links = format_html_join(
            " · ", '<a href="{}">{}</a>', ((href, title) for href, title, _ in _links(paper))
        )
        return format_html(
            "<p><strong>{}</strong></p><p>{}</p><p>{}</p>",
            ", ".join(names) or "unknown authors",
            paper.abstract or "",
            links,
        )

    def item_categories(self, paper: Paper) -> list[str]:
        return list(getattr(paper, "category_list", []) or [])

    def item_pubdate(self, paper: Paper) -> datetime:
        featured = getattr(paper, "feed_date", None)
        return _as_datetime(featured) if featured else paper.published

    def item_updateddate(self, paper: Paper) -> datetime:
        return max(paper.updated, self.item_pubdate(paper))

    def item_extra_kwargs(self, paper: Paper) -> dict[str, Any]:
        return {"related_links": _links(paper)}


def _links(paper: Paper) -> list[tuple[str, str, str]]:
    links = [(paper.abs_url, "arXiv", ""), (paper.pdf_url, "PDF", "application/pdf")]
    if paper.code_url:
        links.append((paper.code_url, "Code", ""))
    return links


def _limit() -> int:
    return max(1, min(settings.PAPERFEED_FEED_ITEMS, 200))


class FeaturedFeed(PaperFeed):
    """The latest featured days (``days=1``), or the latest week's or month's best papers."""

    def __init__(self, *, days: int, atom: bool = False) -> None:
        super().__init__(atom=atom)
        self.days = days

    def title(self, obj: Any) -> str:
        return {1: "paperfeed: daily papers", 7: "paperfeed: papers of the week"}.get(
            self.days, "paperfeed: papers of the month"
        )

    def link(self, obj: Any) -> str:
        return f"{_site()}/"

    def items(self, obj: Any) -> list[Paper]:
        latest = selectors.latest_featured_day()
        if latest is None:
            return []
        if self.days == 1:
            # Newest featured day first; a week of days so readers polling daily miss nothing.
            entries, _ = api_selectors.daily_entries(
                first=latest - timedelta(days=6),
                last=latest,
                submitter=None,
                sort="publishedAt",
                limit=_limit(),
                offset=0,
            )
            papers, seen = [], set()
            for entry in entries:
                if entry.paper.pk not in seen:
                    seen.add(entry.paper.pk)
                    entry.paper.feed_date = entry.day  # type: ignore[attr-defined]
                    papers.append(entry.paper)
            return papers
        papers, _ = selectors.featured_for_period(
            start=latest - timedelta(days=self.days - 1), end=latest, limit=_limit()
        )
        for paper in papers:
            paper.feed_date = paper.featured_day  # type: ignore[attr-defined]
        return papers


class TrendingFeed(PaperFeed):
    def title(self, obj: Any) -> str:
        return "paperfeed: trending papers"

    def link(self, obj: Any) -> str:
        return f"{_site()}/trending"

    def items(self, obj: Any) -> list[Paper]:
        from paperfeed.trending.selectors import trending_papers

        return trending_papers(window="week", limit=_limit()).papers


class NewFeed(PaperFeed):
    def get_object(self, request: HttpRequest, category: str | None = None) -> str:
        category = category or request.GET.get("category") or ""
        if category and not _CATEGORY.match(category):
            raise Http404("not an arXiv category")
        return category

    def title(self, obj: str) -> str:
        return f"paperfeed: new papers in {obj}" if obj else "paperfeed: new papers"

    def link(self, obj: str) -> str:
        return f"{_site()}/papers/new" + (f"?category={obj}" if obj else "")

    def items(self, obj: str) -> list[Paper]:
        papers, _ = selectors.new_papers(category=obj or None, limit=_limit())
        return papers


class SearchFeed(PaperFeed):
    def get_object(self, request: HttpRequest) -> str:
        return request.GET.get("q", "")

    def title(self, obj: str) -> str:
        return f"paperfeed: search for {obj}"

    def link(self, obj: str) -> str:
        from urllib.parse import urlencode

        return f"{_site()}/search?{urlencode({'q': obj})}"

    def items(self, obj: str) -> list[Paper]:
        return selectors.search_papers(query=obj, limit=_limit(), sort="date").papers


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
        return f"{_site()}/users/{obj.get_username()}"

    def items(self, obj: User) -> list[Paper]:
        from paperfeed.community.models import Upvote

        votes = list(
            Upvote.objects.filter(user=obj, paper__hidden=False)
            .order_by("-created_at")
            .values_list("paper_id", "created_at")[: _limit()]
        )
        papers = selectors.papers_by_ids(ids=[paper_id for paper_id, _ in votes])
        voted_at = dict(votes)
        for paper in papers:
            paper.feed_date = voted_at[paper.pk]  # type: ignore[attr-defined]
        return papers


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
        stored = cache.get(key)
        if stored is None:
            rendered = feed(request, *args, **kwargs)
            body = rendered.content
            modified = parse_http_date_safe(rendered.get("Last-Modified", "")) or int(
                datetime.now(UTC).timestamp()
            )
            stored = (body, rendered["Content-Type"], modified)
            cache.set(key, stored, settings.PAPERFEED_FEED_CACHE_SECONDS)
        body, content_type, modified = stored
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        response = HttpResponse(body, content_type=content_type)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(modified)
        patch_cache_control(response, public=True, max_age=settings.PAPERFEED_FEED_CACHE_SECONDS)
        return get_conditional_response(
            request, etag=etag, last_modified=modified, response=response
        )

    return view
