"""The JSON API endpoints. Thin: parse, call a selector or service, shape the answer."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from paperfeed.api import selectors as api_selectors
from paperfeed.api import shapes
from paperfeed.api.api import api
from paperfeed.api.auth import BearerToken
from paperfeed.api.periods import BadParameter, parse_period
from paperfeed.api.schemas import (
    CommentIn,
    CommentOut,
    DailyPaperOut,
    ErrorOut,
    PaperOut,
    PaperPageOut,
    SearchHitOut,
    SubmitIn,
    SubmitOut,
    TrendingItemOut,
    UpvoteOut,
)
from paperfeed.api.throttles import read_limits, write_limits
from paperfeed.core.caching import anonymous_copy_key
from paperfeed.papers import selectors as paper_selectors
from paperfeed.papers.ids import InvalidArxivId, parse_arxiv_id
from paperfeed.papers.models import Paper

MAX_PAGE = 10_000
MAX_QUERY = 250
ERRORS: dict[int, Any] = {400: ErrorOut, 429: ErrorOut}
NOT_FOUND: dict[int, Any] = {**ERRORS, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**NOT_FOUND, 401: ErrorOut, 403: ErrorOut}


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _next_link(request: HttpRequest, **changes: Any) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = str(value)
    return f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'


def _paper_or_404(arxiv_id: str) -> Paper:
    paper = paper_selectors.paper_detail(arxiv_id=arxiv_id)
    if paper is None:
        raise Http404(f"id: no paper with id {arxiv_id[:60]!r}")
    return paper


# --- Reads ------------------------------------------------------------------------------------


class DailyQuery(Schema):
    date: str | None = Field(None, max_length=20, description="A day, YYYY-MM-DD")
    week: str | None = Field(None, max_length=20, description="An ISO week, YYYY-Www")
    month: str | None = Field(None, max_length=20, description="A month, YYYY-MM")
    submitter: str | None = Field(None, max_length=150, description="Submitter's username")
    sort: Literal["publishedAt", "trending"] = "publishedAt"
    p: int = Field(0, ge=0, le=MAX_PAGE, description="Page number, from 0")
    limit: int = Field(50, ge=1, le=100)


@api.get(
    "/daily_papers",
    response={200: list[DailyPaperOut], **ERRORS},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("daily"),
    tags=["papers"],
    summary="Featured papers of a day, week or month (HF daily papers)",
)
def daily_papers(request: HttpRequest, response: HttpResponse, filters: Query[DailyQuery]):
    """A plain JSON array in the shape of HF's `/api/daily_papers`. Without `date`, `week` or
    `month`, every featured day, newest first. A `Link: <...>; rel="next"` header is present
    when a next page exists."""
    period = parse_period(date_=filters.date, week=filters.week, month=filters.month)

    def build() -> tuple[list[dict], dict[str, str]]:
        first = last = None
        if period is not None:
            first, last = period[1].first, period[1].last
        entries, has_next = api_selectors.daily_entries(
            first=first,
            last=last,
            submitter=filters.submitter,
            sort=filters.sort,
            limit=filters.limit,
            offset=filters.p * filters.limit,
        )
        root = base_url(request)
        headers = {"Link": _next_link(request, p=filters.p + 1)} if has_next else {}
        return [shapes.daily_dict(entry, base_url=root) for entry in entries], headers

    return _cached_read(request, response, build, schema=DailyPaperOut, many=True)


def _cached_read(
    request: HttpRequest,
    response: HttpResponse,
    build: Callable[[], tuple[Any, dict[str, str]]],
    *,
    schema: type[Schema],
    many: bool = False,
) -> Any:
    """The answer of an anonymous read, kept as JSON bytes for PAPERFEED_PAGE_CACHE_SECONDS like
    the pages; ``build`` returns the payload and the headers that go with it.

    The rate limits have already run (ninja throttles come first), so cached answers are still
    counted. Requests with a token, or from a signed-in member, are always computed afresh and
    serialised by ninja itself; the cached bytes are made the same way (validated against
    ``schema`` and dumped by alias without None), which a test checks byte for byte. Keeping
    bytes rather than objects saves the validation and rendering, most of a cached answer's cost.
    """
    key = anonymous_copy_key(request, "api:")
    if key is None:
        payload, headers = build()
        for name, value in headers.items():
            response[name] = value
        return payload
    hit = cache.get(key)
    if hit is None:
        payload, headers = build()
        items = payload if many else [payload]
        dumped = [
            schema.model_validate(item).model_dump(by_alias=True, exclude_none=True)
            for item in items
        ]
        rendered = api.create_response(request, dumped if many else dumped[0], status=200)
        hit = (rendered.content, headers)
        cache.set(key, hit, settings.PAPERFEED_PAGE_CACHE_SECONDS)
    content, headers = hit
    cached = HttpResponse(content, content_type=api.get_content_type())
    for name, value in headers.items():
        cached[name] = value
    return cached


class SearchQuery(Schema):
    q: str = Field("", max_length=MAX_QUERY, description='Words, "phrases", author:, cat:, year:')
    limit: int = Field(50, ge=1, le=120)
    mode: Literal["keyword", "semantic", "hybrid"] = Field(
        "hybrid",
        description="keyword: full text; semantic: nearest in meaning; hybrid: both, fused "
        "by reciprocal rank",
    )


@api.get(
    "/papers/search",
    response={200: list[SearchHitOut], **ERRORS},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("search"),
    tags=["papers"],
    summary="Search the catalogue (HF papers search)",
)
def papers_search(request: HttpRequest, filters: Query[SearchQuery]):
    """Full-text search, best match first. An empty `q` lists the newest papers."""
    if filters.q.strip():
        papers = paper_selectors.search_papers(
            query=filters.q, limit=filters.limit, mode=filters.mode
        ).papers
    else:
        papers, _ = paper_selectors.new_papers(limit=filters.limit)
    api_selectors.attach_featured(papers)
    root = base_url(request)
    return [shapes.search_hit_dict(paper, base_url=root) for paper in papers]


def _encode_cursor(paper: Paper) -> str:
    raw = f"{paper.published.isoformat()}|{paper.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        published, _, pk = raw.partition("|")
        when = datetime.fromisoformat(published)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadParameter("cursor", "not a cursor this API gave out") from None


class CatalogueQuery(Schema):
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=100)


@api.get(
    "/papers",
    response={200: PaperPageOut, **ERRORS},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("papers"),
    tags=["papers"],
    summary="The whole catalogue, newest first",
)
def papers_list(request: HttpRequest, response: HttpResponse, filters: Query[CatalogueQuery]):
    """Pass `next_cursor` back as `cursor` to get the following page."""
    after = _decode_cursor(filters.cursor) if filters.cursor else None
    papers, has_next = api_selectors.catalogue_page(after=after, limit=filters.limit)
    root = base_url(request)
    next_cursor = _encode_cursor(papers[-1]) if has_next and papers else None
    if next_cursor:
        response["Link"] = _next_link(request, cursor=next_cursor)
    return {
        "papers": [
            shapes.paper_dict(paper, base_url=root, featured_day=paper.featured_day)  # type: ignore[attr-defined]
            for paper in papers
        ],
        "next_cursor": next_cursor,
    }


# Registered before /papers/{paper_id}, which would otherwise take "submit" as an id.
@api.post(
    "/papers/submit",
    response={201: SubmitOut, **WRITE_ERRORS},
    by_alias=True,
    exclude_none=True,
    auth=BearerToken(),
    throttle=write_limits("submit", community_rate="PAPERFEED_RATE_SUBMIT"),
    tags=["community"],
    summary="Submit a paper to today's featured list",
)
def paper_submit(request: HttpRequest, payload: SubmitIn):
    from paperfeed.community import services

    try:
        parse_arxiv_id(payload.paperId)
    except InvalidArxivId as exc:
        raise BadParameter("paperId", str(exc)) from None
    try:
        entry = services.paper_submit(
            user=request.auth,  # type: ignore[attr-defined]
            arxiv_id_or_url=payload.paperId,
        )
    except services.CommunityError as exc:
        raise _refused(exc) from None
    paper = _paper_or_404(entry.paper.arxiv_id)
    return Status(
        201,
        {
            "paper": shapes.paper_dict(
                paper,
                base_url=base_url(request),
                featured_day=entry.day,
                submitter=request.auth.get_username(),  # type: ignore[attr-defined]
                featured_days=paper.featured_days,  # type: ignore[attr-defined]
            ),
            "featured_on": entry.day.isoformat(),
        },
    )


@api.get(
    "/papers/{arxiv_id:paper_id}",
    response={200: PaperOut, **NOT_FOUND},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("paper"),
    tags=["papers"],
    summary="One paper (HF paper_info)",
)
def paper_info(request: HttpRequest, response: HttpResponse, paper_id: str):
    def build() -> tuple[dict, dict[str, str]]:
        paper = _paper_or_404(paper_id)
        days = paper.featured_days  # type: ignore[attr-defined]
        first = min(days) if days else None
        entry = paper.featured_list[-1] if days else None  # type: ignore[attr-defined]
        submitter = ""
        if entry is not None:
            submitter = entry.featured_by.username if entry.featured_by_id else entry.submitter_name
        payload = shapes.paper_dict(
            paper,
            base_url=base_url(request),
            featured_day=first,
            submitter=submitter,
            featured_days=days,
        )
        return payload, {}

    return _cached_read(request, response, build, schema=PaperOut)


class PageQuery(Schema):
    p: int = Field(0, ge=0, le=MAX_PAGE)
    limit: int = Field(100, ge=1, le=200)


@api.get(
    "/papers/{arxiv_id:paper_id}/comments",
    response={200: list[CommentOut], **NOT_FOUND},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("comments"),
    tags=["community"],
    summary="A paper's comments, oldest first",
)
def paper_comments(request: HttpRequest, paper_id: str, page: Query[PageQuery]):
    paper = _paper_or_404(paper_id)
    comments = api_selectors.paper_comments(
        paper=paper, limit=page.limit, offset=page.p * page.limit
    )
    return [shapes.comment_dict(comment) for comment in comments]


class SimilarQuery(Schema):
    limit: int = Field(10, ge=1, le=50)


@api.get(
    "/papers/{arxiv_id:paper_id}/similar",
    response={200: list[SearchHitOut], **NOT_FOUND},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("similar"),
    tags=["papers"],
    summary="Papers similar to this one",
)
def paper_similar(request: HttpRequest, paper_id: str, filters: Query[SimilarQuery]):
    """Empty until the similar-papers issue provides ``papers.selectors.similar_papers``."""
    paper = _paper_or_404(paper_id)
    similar = getattr(paper_selectors, "similar_papers", None)
    papers = similar(paper=paper, limit=filters.limit) if similar else []
    api_selectors.attach_featured(papers)
    root = base_url(request)
    return [shapes.search_hit_dict(other, base_url=root) for other in papers]


# --- Writes: bearer token ---------------------------------------------------------------------


def _refused(exc: Exception, status: int = 403) -> HttpError:
    return HttpError(status, str(exc))


@api.post(
    "/papers/{arxiv_id:paper_id}/upvote",
    response={200: UpvoteOut, **WRITE_ERRORS},
    auth=BearerToken(),
    throttle=write_limits("upvote", community_rate="PAPERFEED_RATE_UPVOTE"),
    tags=["community"],
    summary="Upvote a paper (idempotent)",
)
def upvote_add(request: HttpRequest, paper_id: str):
    return _vote(request, paper_id, upvoted=True)


@api.delete(
    "/papers/{arxiv_id:paper_id}/upvote",
    response={200: UpvoteOut, **WRITE_ERRORS},
    auth=BearerToken(),
    throttle=write_limits("upvote", community_rate="PAPERFEED_RATE_UPVOTE"),
    tags=["community"],
    summary="Withdraw an upvote (idempotent)",
)
def upvote_remove(request: HttpRequest, paper_id: str):
    return _vote(request, paper_id, upvoted=False)


def _vote(request: HttpRequest, paper_id: str, *, upvoted: bool) -> dict[str, Any]:
    from paperfeed.community import services

    paper = _paper_or_404(paper_id)
    action = services.upvote_add if upvoted else services.upvote_remove
    try:
        count = action(user=request.auth, paper=paper)  # type: ignore[attr-defined]
    except services.CommunityError as exc:
        raise _refused(exc) from None
    return {"upvoted": upvoted, "upvotes": count}


def _comment(request: HttpRequest, paper_id: str, text: str, parent_id: int | None):
    from paperfeed.community import services
    from paperfeed.community.models import Comment

    paper = _paper_or_404(paper_id)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, paper=paper).first()
        if parent is None:
            raise Http404(f"comment_id: no comment {parent_id} on this paper")
    try:
        comment = services.comment_create(
            user=request.auth,  # type: ignore[attr-defined]
            paper=paper,
            body=text,
            parent=parent,
        )
    except services.CommentRefused as exc:
        raise _refused(f"comment: {exc}", 400) from None  # type: ignore[arg-type]
    except services.CommunityError as exc:
        raise _refused(exc) from None
    return Status(201, shapes.comment_dict(comment))


@api.post(
    "/papers/{arxiv_id:paper_id}/comment",
    response={201: CommentOut, **WRITE_ERRORS},
    by_alias=True,
    exclude_none=True,
    auth=BearerToken(),
    throttle=write_limits("comment", community_rate="PAPERFEED_RATE_COMMENT"),
    tags=["community"],
    summary="Comment on a paper (Markdown)",
)
def comment_create(request: HttpRequest, paper_id: str, payload: CommentIn):
    return _comment(request, paper_id, payload.comment, None)


@api.post(
    "/papers/{arxiv_id:paper_id}/comment/{comment_id}/reply",
    response={201: CommentOut, **WRITE_ERRORS},
    by_alias=True,
    exclude_none=True,
    auth=BearerToken(),
    throttle=write_limits("comment", community_rate="PAPERFEED_RATE_COMMENT"),
    tags=["community"],
    summary="Reply to a comment",
)
def comment_reply(
    request: HttpRequest,
    paper_id: str,
    comment_id: int,
    payload: CommentIn,
):
    if not 1 <= comment_id <= 2**62:
        raise Http404(f"comment_id: no comment {comment_id} on this paper")
    return _comment(request, paper_id, payload.comment, comment_id)


class TrendingQuery(Schema):
    window: Literal["day", "week", "month"] = "week"
    category: str | None = Field(None, max_length=40, pattern=r"^[A-Za-z-]+(\.[A-Za-z-]+)?$")
    with_code: bool = False
    p: int = Field(0, ge=0, le=MAX_PAGE)
    limit: int = Field(50, ge=1, le=100)


@api.get(
    "/trending",
    response={200: list[TrendingItemOut], **ERRORS},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("trending"),
    tags=["papers"],
    summary="Trending papers, with each component of their score",
)
def trending(request: HttpRequest, response: HttpResponse, filters: Query[TrendingQuery]):
    """Best first. `paperfeed_components` holds the numbers the score is computed from."""
    from paperfeed.trending.selectors import trending_papers

    offset = filters.p * filters.limit
    listing = trending_papers(
        window=filters.window,
        category=filters.category,
        with_code=filters.with_code,
        limit=filters.limit,
        offset=offset,
    )
    if offset + len(listing.rows) < listing.total:
        response["Link"] = _next_link(request, p=filters.p + 1)
    api_selectors.attach_featured(listing.papers)
    root = base_url(request)
    items = []
    for row in listing.rows:
        trend = row.trending
        components = dict(trend.components) if trend else {}
        components["upvotes"] = float(row.upvotes)
        items.append(
            {
                "paper": shapes.paper_dict(
                    row.paper,
                    base_url=root,
                    featured_day=row.paper.featured_day,  # type: ignore[attr-defined]
                ),
                "paperfeed_score": trend.score if trend else 0.0,
                "paperfeed_components": components,
            }
        )
    return items
