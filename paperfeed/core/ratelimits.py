"""Rate limits on writes, counted in the default cache by django-ratelimit.

The cache must be shared by every web process for the limits to hold across them: with more
than one process set PAPERFEED_CACHE=database (see docs/configuration.md).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

Key = str | Callable[[str, HttpRequest], str]


def limited(request: HttpRequest, *, group: str, key: Key, rate: str) -> bool:
    """Count this request and say whether it is over ``rate`` for ``key`` in ``group``."""
    return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)


def too_many(request: HttpRequest, what: str) -> HttpResponse:
    """A clear 429 for people (HTML) and for scripts (JSON)."""
    message = too_many_message(what)
    if wants_json(request):
        return JsonResponse({"error": message}, status=429)
    return render(request, "too_many.html", {"message": message}, status=429)


def too_many_message(what: str) -> str:
    return f"Too many {what} in a short time. Please wait a little and try again."


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")
