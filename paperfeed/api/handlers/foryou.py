"""The token's member's for-you list: the same selector, items and reasons as /papers/for-you.

Private like the page: only with the member's own token, never cached for anyone else, and the
reasons name only that member's papers (recs/selectors.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from ninja import Query, Schema
from pydantic import Field

from paperfeed.api import shapes
from paperfeed.api.api import api
from paperfeed.api.auth import BearerToken
from paperfeed.api.handlers.common import WRITE_ERRORS, base_url, operation_id, token_user
from paperfeed.api.schemas import ForYouOut
from paperfeed.api.throttles import read_limits
from paperfeed.recs import selectors


class ForYouQuery(Schema):
    limit: int = Field(30, ge=1, le=selectors.MAX_LIST)


@api.get(
    "/for-you",
    response={200: ForYouOut, **WRITE_ERRORS},
    by_alias=True,
    exclude_none=True,
    auth=BearerToken(),
    throttle=read_limits("for-you"),
    tags=["recommendations"],
    summary="Your recommended papers (the token's member only), best first, each with its reason",
    operation_id=operation_id("for_you"),
)
def for_you(request: HttpRequest, response: HttpResponse, query: Query[ForYouQuery]):
    found = selectors.for_you(user=token_user(request), limit=query.limit)
    add_never_cache_headers(response)
    root = base_url(request)
    items: list[dict[str, Any]] = [
        {
            "paper": shapes.paper_dict(item.row, base_url=root),
            "reason": item.reason,
            "via": item.via,
            "because": {"id": item.because_arxiv_id, "title": item.because_title},
        }
        for item in found.items
    ]
    return {"items": items, "signals": found.signals, "trained": found.trained}
