"""An anonymous reader's kept page served before URL resolution (the innermost middleware).

A fresh copy under the request's ``page:`` key exists only for a path a
``cached_for_anonymous`` view answered, so the copy is what that view would serve: resolving the
URL (~60 patterns tried before the papers app), the view's decorators and ``process_view`` hooks
add nothing to it. Every middleware around this one still runs, so the headers (session
``Vary``, CSP, security headers, X-Frame-Options, cache-control) are the ones the view's copy
gets. A stale or missing copy, a member, a token, a session cookie or anything but a GET goes
on to the view, which decides who rebuilds it (``caching.copy_lookup``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from paperfeed.core.caching import anonymous_copy_key, fresh_copy, page_copy_response


class CachedPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A session cookie may carry messages or a member: the view decides for those.
        if request.method == "GET" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            key = anonymous_copy_key(request, "page:")
            if key is not None:
                stored = fresh_copy(key, request=request)
                if stored is not None:
                    return page_copy_response(stored, settings.PAPERFEED_PAGE_CACHE_SECONDS)
        return self.get_response(request)
