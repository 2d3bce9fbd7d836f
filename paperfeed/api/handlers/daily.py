"""The ranked lists: ``/daily_papers`` (the featured list) and ``/trending``."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Schema
from pydantic import Field

from paperfeed.api import shapes
from paperfeed.api.api import BadParameter, api
from paperfeed.api.handlers.common import (
    ERRORS,
    MAX_PAGE,
    base_url,
    cached_read,
    next_link,
    operation_id,
)
from paperfeed.api.schemas import DailyPaperOut, TrendingItemOut
from paperfeed.api.throttles import read_limits
from paperfeed.papers.categories import InvalidCategory, parse_category
from paperfeed.papers.periods import parse_one_of
from paperfeed.papers.selectors import FeaturedOrder, featured_list
from paperfeed.trending.selectors import trending_papers

# HF's sort names → the featured list's orders: publishedAt is newest day first (each day
# ranked), trending is the ranking itself.
_ORDERS: dict[str, FeaturedOrder] = {"publishedAt": "newest", "trending": "rank"}


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
    operation_id=operation_id("daily_papers"),
)
def daily_papers(request: HttpRequest, response: HttpResponse, filters: Query[DailyQuery]):
    """A plain JSON array in the shape of HF's `/api/daily_papers`. Without `date`, `week` or
    `month`, every featured day, newest first. A `Link: <...>; rel="next"` header is present
    when a next page exists."""
    period = parse_one_of(day=filters.date, week=filters.week, month=filters.month)

    def build() -> tuple[list[dict[str, Any]], dict[str, str]]:
        offset = filters.p * filters.limit
        rows, total = featured_list(
            period=period,
            order=_ORDERS[filters.sort],
            submitter=filters.submitter,
            limit=filters.limit,
            offset=offset,
        )
        has_next = offset + len(rows) < total
        headers = {"Link": next_link(request, p=filters.p + 1)} if has_next else {}
        root = base_url(request)
        return [shapes.daily_dict(row, base_url=root) for row in rows], headers

    return cached_read(request, response, build, schema=DailyPaperOut, many=True)


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
    operation_id=operation_id("trending"),
)
def trending(request: HttpRequest, response: HttpResponse, filters: Query[TrendingQuery]):
    """Best first. `paperfeed_components` holds the numbers the score is computed from."""

    category = None
    if filters.category:
        try:
            category = parse_category(filters.category)
        except InvalidCategory as exc:
            raise BadParameter("category", str(exc)) from None
    offset = filters.p * filters.limit
    listing = trending_papers(
        window=filters.window,
        category=category,
        with_code=filters.with_code,
        limit=filters.limit,
        offset=offset,
    )
    rows = listing.rows
    if offset + len(rows) < listing.total:
        response["Link"] = next_link(request, p=filters.p + 1)
    root = base_url(request)
    items = []
    for row in rows:
        components = row.trending.components if row.trending else {}
        items.append(
            {
                "paper": shapes.paper_dict(row, base_url=root),
                "paperfeed_score": row.trending.score if row.trending else 0.0,
                "paperfeed_components": {
                    **{name: float(value) for name, value in components.items()},
                    # The live count, as everywhere; the stored one may be minutes old.
                    "upvotes": float(row.upvotes),
                },
            }
        )
    return items
