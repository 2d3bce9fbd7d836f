"""Rate limits on writes, counted by django-ratelimit in the shared ``limits`` cache.

That cache must be shared by every web process and host for a limit to mean what it says:
Redis (REDIS_URL), a PostgreSQL table, or on a one-host SQLite site a counter file, each
incremented atomically (paperfeed/settings, core/cachebackends.py).
`paperfeed web` refuses to start on any other store (``store_problem``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from paperfeed.core.cachebackends import CounterDatabaseCache, SQLiteFileCache

logger = logging.getLogger(__name__)
Counted = TypeVar("Counted")

Key = str | Callable[[str, HttpRequest], str]


def store_problem() -> str | None:
    """Why the rate-limit counters would not be exact across processes, or None when they are."""
    store = caches[settings.RATELIMIT_USE_CACHE]
    if isinstance(store, RedisCache | CounterDatabaseCache):
        return None
    if isinstance(store, SQLiteFileCache):
        if connection.vendor == "sqlite":
            return None
        return (
            "the counters are in a SQLite file on this host, but the site runs on "
            f"{connection.vendor}, so other hosts would count apart"
        )
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
    key = _hashed("count", key)
    store = caches[settings.RATELIMIT_USE_CACHE]
    if store.add(key, 1, seconds):
        return 1
    try:
        return int(store.incr(key))
    except ValueError:  # expired between the add and the incr: a new window
        store.add(key, 1, seconds)
        return 1


def pause_set(key: str, *, until: float) -> None:
    """Hold ``key`` paused until the timestamp ``until`` (seconds since the epoch)."""
    seconds = until - time.time()
    if seconds > 0:
        caches[settings.RATELIMIT_USE_CACHE].set(_hashed("pause", key), until, math.ceil(seconds))


def pause_left(key: str) -> float:
    """Seconds left of the pause on ``key``: 0 when there is none."""
    until = caches[settings.RATELIMIT_USE_CACHE].get(_hashed("pause", key))
    return max(0.0, float(until) - time.time()) if until is not None else 0.0


def _hashed(kind: str, key: str) -> str:
    # Keys from outside (addresses, account names) may be long or hold characters a cache
    # refuses.
    return f"{kind}:" + hashlib.sha256(key.encode()).hexdigest()


def counted_or_open(count: Callable[[], Counted]) -> Counted | None:
    """``count()``, or None when the counters cannot be written (a read-only or full database
    holds them) and RATELIMIT_FAIL_OPEN lets requests through: a read must not fail because its
    count could not be kept, and a write fails on its own with the 503 it deserves."""
    try:
        return count()
    except DatabaseError as exc:
        if not getattr(settings, "RATELIMIT_FAIL_OPEN", False):
            raise
        logger.warning("rate-limit counters cannot be written (%s): letting the request in", exc)
        return None


def limited(request: HttpRequest, *, group: str, key: Key, rate: str) -> bool:
    """Count this request and say whether it is over ``rate`` for ``key`` in ``group``."""
    over = counted_or_open(
        lambda: is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    )
    return bool(over)


def too_many(request: HttpRequest, what: str, *, retry_after: int | None = None) -> HttpResponse:
    """A clear 429 for people (HTML) and for scripts (JSON)."""
    message = too_many_message(what)
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"error": message}, status=429)
    else:
        response = render(request, "too_many.html", {"message": message}, status=429)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def too_many_message(what: str) -> str:
    return f"Too many {what} in a short time. Please wait a little and try again."


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")
