"""One paper and the catalogue: search, the newest-first catalogue, submitting a paper, a
paper's page, its comments and its similar papers."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Schema, Status
from pydantic import Field

from paperfeed.api import selectors as api_selectors
from paperfeed.api import shapes
from paperfeed.api.api import BadParameter, api
from paperfeed.api.auth import BearerToken
from paperfeed.api.handlers.common import (
    ERRORS,
    MAX_PAGE,
    NOT_FOUND,
    WRITE_ERRORS,
    base_url,
    cached_read,
    next_link,
    operation_id,
    paper_or_404,
    refused,
    token_user,
)
from paperfeed.api.schemas import (
    CommentOut,
    PaperOut,
    PaperPageOut,
    SearchHitOut,
    SubmitIn,
    SubmitOut,
)
from paperfeed.api.throttles import read_limits, write_limits
from paperfeed.community import services
from paperfeed.papers import search_selectors
from paperfeed.papers import selectors as paper_selectors
from paperfeed.papers.ids import InvalidArxivId, parse_arxiv_id
from paperfeed.papers.models import Paper
from paperfeed.papers.similar.selectors import similar_papers

MAX_QUERY = 250


class SearchQuery(Schema):
    q: str = Field("", max_length=MAX_QUERY, description='Words, "phrases", author:, cat:, year:')
    limit: int = Field(50, ge=1, le=120)
    mode: Literal["keyword", "semantic", "hybrid"] = Field(
        "hybrid",
        description="keyword: full text; semantic: nearest in meaning; hybrid: the full-text "
        "hits (papers related only by meaning are listed apart on the site, not here)",
    )


@api.get(
    "/papers/search",
    response={200: list[SearchHitOut], **ERRORS},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("search"),
    tags=["papers"],
    summary="Search the catalogue (HF papers search)",
    operation_id=operation_id("papers_search"),
)
def papers_search(request: HttpRequest, filters: Query[SearchQuery]):
    """Full-text search, best match first. An empty `q` lists the newest papers."""
    if filters.q.strip():
        rows = search_selectors.search_papers(
            query=filters.q, limit=filters.limit, mode=filters.mode
        ).papers
    else:
        rows, _ = paper_selectors.new_papers(limit=filters.limit)
    root = base_url(request)
    return [shapes.search_hit_dict(row, base_url=root) for row in rows]


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
    operation_id=operation_id("papers_list"),
)
def papers_list(request: HttpRequest, response: HttpResponse, filters: Query[CatalogueQuery]):
    """Pass `next_cursor` back as `cursor` to get the following page."""
    after = _decode_cursor(filters.cursor) if filters.cursor else None
    rows, has_next = api_selectors.catalogue_page(after=after, limit=filters.limit)
    root = base_url(request)
    next_cursor = _encode_cursor(rows[-1].paper) if has_next and rows else None
    if next_cursor:
        response["Link"] = next_link(request, cursor=next_cursor)
    return {
        "papers": [shapes.paper_dict(row, base_url=root) for row in rows],
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
    operation_id=operation_id("paper_submit"),
)
def paper_submit(request: HttpRequest, payload: SubmitIn):
    try:
        parse_arxiv_id(payload.paperId)
    except InvalidArxivId as exc:
        raise BadParameter("paperId", str(exc)) from None
    user = token_user(request)
    try:
        entry = services.paper_submit(user=user, arxiv_id_or_url=payload.paperId)
    except services.CommunityError as exc:
        raise refused(exc) from None
    row = paper_or_404(entry.paper.arxiv_id)
    # The answer describes this submission, whatever day the paper was first featured.
    row.featured_day = entry.day
    row.submitter, row.submitter_fullname = user.get_username(), ""
    return Status(
        201,
        {
            "paper": shapes.paper_dict(row, base_url=base_url(request), with_featured_days=True),
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
    operation_id=operation_id("paper_info"),
)
def paper_info(request: HttpRequest, response: HttpResponse, paper_id: str):
    def build() -> tuple[dict[str, Any], dict[str, str]]:
        row = paper_or_404(paper_id)
        return shapes.paper_dict(row, base_url=base_url(request), with_featured_days=True), {}

    return cached_read(request, response, build, schema=PaperOut)


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
    operation_id=operation_id("paper_comments"),
)
def paper_comments(request: HttpRequest, paper_id: str, page: Query[PageQuery]):
    row = paper_or_404(paper_id)
    comments = api_selectors.paper_comments(
        paper=row.paper, limit=page.limit, offset=page.p * page.limit
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
    operation_id=operation_id("paper_similar"),
)
def paper_similar(request: HttpRequest, paper_id: str, filters: Query[SimilarQuery]):
    """The papers most like this one, best first (none until the similar index is built)."""
    row = paper_or_404(paper_id)

    similar = similar_papers(paper=row.paper, limit=filters.limit)
    root = base_url(request)
    return [shapes.search_hit_dict(other, base_url=root) for other in similar]
