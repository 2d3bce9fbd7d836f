"""The shared copy of an anonymous read (pages and JSON API), kept for
PAPERFEED_PAGE_CACHE_SECONDS: that setting is the freshness bound, so the rule of who gets a copy
lives here once."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest


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
