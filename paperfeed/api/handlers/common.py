"""What every handler module shares: error maps, links, the paper lookup and cached reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import HttpError
from pydantic import BaseModel

from paperfeed.api.api import api
from paperfeed.api.schemas import ErrorOut
from paperfeed.core.caching import anonymous_copy_key, shared_copy
from paperfeed.papers import selectors as paper_selectors
from paperfeed.papers.rows import PaperRow

MAX_PAGE = 10_000
ERRORS: dict[int, Any] = {400: ErrorOut, 429: ErrorOut}
NOT_FOUND: dict[int, Any] = {**ERRORS, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**NOT_FOUND, 401: ErrorOut, 403: ErrorOut}


def operation_id(name: str) -> str:
    # The ids the schema has always had, from when every handler lived in api/handlers.py.
    return f"paperfeed_api_handlers_{name}"


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def next_link(request: HttpRequest, **changes: Any) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = str(value)
    return f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'


def paper_or_404(arxiv_id: str) -> PaperRow:
    row = paper_selectors.paper_detail(arxiv_id=arxiv_id)
    if row is None:
        raise Http404(f"id: no paper with id {arxiv_id[:60]!r}")
    return row


def refused(exc: Exception | str, status: int = 403) -> HttpError:
    return HttpError(status, str(exc))


def cached_read(
    request: HttpRequest,
    response: HttpResponse,
    build: Callable[[], tuple[Any, dict[str, str]]],
    *,
    schema: type[BaseModel],
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

    def build_bytes() -> tuple[bytes, dict[str, str]]:
        payload, headers = build()
        items = payload if many else [payload]
        dumped = [
            schema.model_validate(item).model_dump(by_alias=True, exclude_none=True)
            for item in items
        ]
        rendered = api.create_response(request, dumped if many else dumped[0], status=200)
        return rendered.content, headers

    hit = shared_copy(key, settings.PAPERFEED_PAGE_CACHE_SECONDS, build_bytes, request=request)
    content, headers = hit
    cached = HttpResponse(content, content_type=api.get_content_type())
    for name, value in headers.items():
        cached[name] = value
    return cached


def token_user(request: HttpRequest) -> Any:
    """The member a bearer token authenticated (ninja sets ``request.auth``)."""
    return getattr(request, "auth", None)
