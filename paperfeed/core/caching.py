"""The shared copy of an anonymous read (pages and JSON API), kept for
PAPERFEED_PAGE_CACHE_SECONDS: that setting is the freshness bound, so the rule of who gets a copy
lives here once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def anonymous_copy_key(request: HttpRequest, prefix: str) -> str | None:
    """The cache key of this request's shared copy, or None when it must be built afresh: the
    cache is off, the request is not a GET, or it comes from a signed-in member or with a token
    (their answers carry their own state, such as their votes)."""
    if (
        settings.PAPERFEED_PAGE_CACHE_SECONDS <= 0
        or request.method != "GET"
        or request.user.is_authenticated
        or "HTTP_AUTHORIZATION" in request.META
    ):
        return None
    return prefix + hashlib.sha256(request.get_full_path().encode()).hexdigest()


def cached_for_anonymous(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous readers a copy of the page at most PAPERFEED_PAGE_CACHE_SECONDS old.

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


def cached_count(key: str, compute: Callable[[], int]) -> int:
    """A COUNT(*) over a large table, remembered for PAPERFEED_COUNT_CACHE_SECONDS (0: never)."""
    seconds = settings.PAPERFEED_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return int(compute())
    value = cache.get(key)
    if value is None:
        value = int(compute())
        cache.set(key, value, seconds)
    return int(value)
