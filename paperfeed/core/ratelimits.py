"""Rate limits on writes, counted by django-ratelimit in the shared ``limits`` cache.

That cache must be shared by every web process and host for a limit to mean what it says:
Redis (REDIS_URL) or a database table, both incremented atomically (settings.py).
`paperfeed web` refuses to start on any other store (``store_problem``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from paperfeed.core.cachebackends import CounterDatabaseCache

Key = str | Callable[[str, HttpRequest], str]


def store_problem() -> str | None:
    """Why the rate-limit counters would not be exact across processes, or None when they are."""
    store = caches[settings.RATELIMIT_USE_CACHE]
    if isinstance(store, RedisCache | CounterDatabaseCache):
        return None
    if isinstance(store, DatabaseCache):
        return (
            "Django's DatabaseCache increments with a separate read and write, so concurrent "
            "requests lose counts; use paperfeed.core.cachebackends.CounterDatabaseCache"
        )
    return (
        f"the {settings.RATELIMIT_USE_CACHE!r} cache ({type(store).__name__}) is private to each "
        "process, so every limit is multiplied by the number of web processes"
    )


def counter_hit(key: str, *, seconds: int) -> int:
    """Count one more event under ``key`` in the shared store; the count in this window
    (windows of ``seconds``, starting at the first event)."""
    # Hashed: keys from outside (addresses) may be long or hold characters a cache refuses.
    key = "count:" + hashlib.sha256(key.encode()).hexdigest()
    store = caches[settings.RATELIMIT_USE_CACHE]
    if store.add(key, 1, seconds):
        return 1
    try:
        return int(store.incr(key))
    except ValueError:  # expired between the add and the incr: a new window
        store.add(key, 1, seconds)
        return 1


def limited(request: HttpRequest, *, group: str, key: Key, rate: str) -> bool:
    """Count this request and say whether it is over ``rate`` for ``key`` in ``group``."""
    return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)


def too_many(request: HttpRequest, what: str) -> HttpResponse:
    """A clear 429 for people (HTML) and for scripts (JSON)."""
    message = f"Too many {what} in a short time. Please wait a little and try again."
    if wants_json(request):
        return JsonResponse({"error": message}, status=429)
    return render(request, "too_many.html", {"message": message}, status=429)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")
