"""The shared copy of an anonymous read (pages, JSON API, feeds), kept for
PAPERFEED_PAGE_CACHE_SECONDS: that setting is the freshness bound, so the rule of who gets a copy
lives here once.

A copy past its freshness is rebuilt by one request while the others are still served the stale
copy (:func:`copy_lookup`): without that, every process rebuilt every page at the same moment
once per interval while the requests behind it waited (the p99 spikes of the speed issue). With
a shared cache (Redis, or the database cache) the copy is also built once for every web process.
With the default per-process cache, copies asked for ``across`` processes (members' bodies) are
also kept in the host's shared file (the ``bodies`` cache), read only when the process's own copy
is stale or missing: built once per interval for every process of the host, read from the file
once per interval by each.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache, caches
from django.core.cache.backends.base import BaseCache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, empty

from paperfeed.core import replay

log = logging.getLogger(__name__)

# How long a copy past its freshness stays in the cache, to be served while one request rebuilds
# it; a copy nobody asked for in that time is simply built again.
STALE_SECONDS = 60
# How long one request may hold the right to rebuild a copy before another may take it over.
REBUILD_LOCK_SECONDS = 10


@dataclass(frozen=True, slots=True)
class _Copy:
    fresh_until: float
    value: Any


def copy_lookup(key: str) -> tuple[Any, bool]:
    """(the stored value or None, whether this request must build it).

    A fresh copy is served. A stale one is rebuilt by the first request that takes the rebuild
    lock (an atomic ``cache.add``); every other request is served the stale copy meanwhile, so a
    stale copy is at most one rebuild older than the freshness bound.
    """
    value, _, rebuild = _lookup(key)
    return value, rebuild


def _lookup(key: str) -> tuple[Any, float | None, bool]:
    # (value, until when it is fresh or None when it is stale or missing, rebuild?)
    hit = cache.get(key)
    if not isinstance(hit, _Copy):
        return None, None, True
    if time.time() < hit.fresh_until:
        return hit.value, hit.fresh_until, False
    if cache.add(key + ":rebuild", 1, REBUILD_LOCK_SECONDS):
        return hit.value, None, True
    return hit.value, None, False


def fresh_copy(key: str, *, request: HttpRequest | None = None, shared: bool = False) -> Any:
    """The value under ``key`` while it is fresh, else None (a stale or missing copy is left to
    :func:`copy_lookup`, which decides who rebuilds it). ``request``, when given, is an
    anonymous read whose answer, made from the fresh copy, may be replayed until the copy goes
    stale (core/replay.py). ``shared``: the caller only reads the value, so a per-process cache
    may give every caller the one object it decoded (core/cachebackends.ProcessCache)."""
    get = getattr(cache, "get_shared", cache.get) if shared else cache.get
    hit = get(key)
    if isinstance(hit, _Copy) and time.time() < hit.fresh_until:
        if request is not None:
            replay.replayable(request, until=hit.fresh_until)
        return hit.value
    return None


def copy_store(key: str, value: Any, seconds: float, *, across: bool = False) -> float | None:
    """Keep ``value`` fresh for ``seconds`` (and stale a while longer; see copy_lookup); nothing
    is kept when ``value`` is None or ``seconds`` is not positive. Either way the rebuild lock
    goes. ``across``: in the host's shared file too (:func:`across_store`), for the other
    processes. Until when the kept copy is fresh, or None when nothing was kept."""
    until = None
    store = across_store() if across else None
    if value is not None and seconds > 0:
        until = time.time() + seconds
        kept = _Copy(until, value)
        cache.set(key, kept, seconds + STALE_SECONDS)
        if store is not None:
            _quietly(store.set, key, kept, seconds + STALE_SECONDS)
    cache.delete(key + ":rebuild")
    if store is not None:
        _quietly(store.delete, key + ":rebuild")
    return until


def across_store() -> BaseCache | None:
    """The store every web process of this host shares for copies kept ``across`` processes (a
    file beside the data, the ``bodies`` cache), or None: the default cache is shared already
    (database, Redis), or PAPERFEED_BODIES_FILE is empty."""
    return caches["bodies"] if "bodies" in settings.CACHES else None


def _quietly(operation: Callable[..., Any], *args: Any) -> Any:
    """``operation(*args)`` on the shared file, or None when it cannot be read or written (a
    read-only data directory, a full disk, a damaged file): the process then keeps its copies
    to itself. A cache, so no failure of it may fail the page."""
    try:
        return operation(*args)
    except (sqlite3.Error, DatabaseError, OSError, pickle.UnpicklingError, EOFError):
        log.warning("the shared copies file is unusable; copies kept per process", exc_info=True)
        return None


def _lookup_across(store: BaseCache, key: str, own: Any) -> tuple[Any, float | None, bool]:
    """:func:`_lookup` for a copy this process must rebuild (``own``: its stale copy, or None):
    another process's fresh copy in the shared file is taken instead; else the first process to
    take the file's rebuild lock builds it for all, and the others serve a stale copy meanwhile
    (their own, else the file's) and look again at their next request."""
    hit = _quietly(store.get, key)
    now = time.time()
    if isinstance(hit, _Copy) and now < hit.fresh_until:
        cache.set(key, hit, hit.fresh_until - now + STALE_SECONDS)
        cache.delete(key + ":rebuild")
        return hit.value, hit.fresh_until, False
    if _quietly(store.add, key + ":rebuild", 1, REBUILD_LOCK_SECONDS) is not False:
        return own, None, True  # this process builds (also when the file is unusable)
    stale = own if own is not None else hit.value if isinstance(hit, _Copy) else None
    cache.delete(key + ":rebuild")
    if stale is None:
        return None, None, True  # nothing to serve meanwhile
    return stale, None, False


def across_copy(key: str, wanted: Callable[[Any], bool]) -> Any:
    """The fresh copy under ``key`` another process kept in the host's shared file, taken into
    this process's cache, when ``wanted(value)`` (a paper page built from the paper's current
    version); else None."""
    store = across_store()
    hit = _quietly(store.get, key) if store is not None else None
    now = time.time()
    if not isinstance(hit, _Copy) or now >= hit.fresh_until or not wanted(hit.value):
        return None
    cache.set(key, hit, hit.fresh_until - now + STALE_SECONDS)
    return hit.value


def shared_copy(
    key: str,
    seconds: float | Callable[[Any], float],
    build: Callable[[], Any],
    *,
    request: HttpRequest | None = None,
    across: bool = False,
    renew: Callable[[Any], bool] | None = None,
) -> Any:
    """The copy under ``key``, built by ``build()`` when it is missing, or stale and this request
    took the rebuild lock (:func:`copy_lookup`); ``build`` returns None for an answer not to
    keep (then None is returned). A failed build lets the lock go for the next request.
    ``seconds`` may be a function of the built value (a member's body is kept for as long as
    what it shows allows: core/bodykeep.py).

    ``request``: the anonymous read the copy answers. When the copy it gets is fresh (kept or
    just built), the answer made from it may be replayed until the copy goes stale
    (core/replay.py); a stale copy's answer never is.

    ``across``: a copy this process would build is first looked for in the host's shared file
    (:func:`across_store`), and one built here is kept there too: one build per interval for
    every process of the host instead of one per process. Only the rebuilds read the file: a
    fresh copy is served from the process's own cache as before.

    ``renew(stale)``: asked of a stale copy this request would rebuild; when it answers yes
    (what the copy shows is unchanged) the copy is kept again for ``seconds`` instead."""
    value, until, rebuild = _lookup(key)
    store = across_store() if across and rebuild else None
    if store is not None:
        value, until, rebuild = _lookup_across(store, key, value)
    if rebuild and value is not None and renew is not None and renew(value):
        # What the stale copy shows has not changed: kept another interval, not built again.
        if callable(seconds):
            seconds = seconds(value)
        until = copy_store(key, value, seconds, across=store is not None)
    elif rebuild:
        try:
            value = build()
        except BaseException:
            cache.delete(key + ":rebuild")
            if store is not None:
                _quietly(store.delete, key + ":rebuild")
            raise
        if callable(seconds):  # how long depends on what was built
            seconds = seconds(value) if value is not None else 0
        until = copy_store(key, value, seconds, across=store is not None)
    if request is not None and until is not None:
        replay.replayable(request, until=until)
    return value


def user_loaded(request: HttpRequest) -> bool:
    """Whether the request's user has been read (AuthenticationMiddleware reads it when first
    asked for)."""
    user = getattr(request, "user", None)
    # LazyObject keeps what it wraps in ``_wrapped``, ``empty`` until first used.
    return not (isinstance(user, SimpleLazyObject) and user._wrapped is empty)  # type: ignore[attr-defined]


def names_member(request: HttpRequest) -> bool:
    """Whether the request comes from a signed-in member, or from a session that names one
    whose row is not read yet: a member's page reads it together with the page's other reads
    of theirs (core/readahead.read_ahead), which check it as Django does. A session naming
    someone who turns out not to be a member (deleted, deactivated, another password) is
    answered as anyone without a session, only not from the anonymous copy."""
    if user_loaded(request):
        return bool(request.user.is_authenticated)
    session = getattr(request, "session", None)
    return session is not None and SESSION_KEY in session


def anonymous_copy_key(request: HttpRequest, prefix: str) -> str | None:
    """The cache key of this request's shared copy, or None when it must be built afresh: the
    cache is off, the request is not a GET, or it comes from a signed-in member or with a token
    (their answers carry their own state, such as their votes)."""
    if (
        settings.PAPERFEED_PAGE_CACHE_SECONDS <= 0
        or request.method != "GET"
        or names_member(request)
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
        built: list[HttpResponse] = []

        def build() -> tuple[int, str, bytes] | None:
            built.append(view(request, *args, **kwargs))
            response = built[0]
            if response.status_code not in (200, 404) or response.streaming:
                return None  # served, not kept
            return response.status_code, response["Content-Type"], response.content

        stored = shared_copy(key, seconds, build, request=request)
        if built:
            response = built[0]
            patch_cache_control(response, max_age=seconds, public=True)
            return response
        return page_copy_response(stored, seconds)

    return wrapper


def page_copy_response(stored: tuple[int, str, bytes], seconds: int) -> HttpResponse:
    """The answer made from a kept page copy: the view's status, type and bytes, cacheable by
    anyone for the freshness bound (the same whether the view or the early path serves it)."""
    status, content_type, content = stored
    response = HttpResponse(content, content_type=content_type, status=status)
    patch_cache_control(response, max_age=seconds, public=True)
    return response


def cached_count(
    key: str, compute: Callable[[], int], *, version: Callable[[], int] | None = None
) -> int:
    """A COUNT(*) over a large table, remembered for PAPERFEED_COUNT_CACHE_SECONDS (0: never).

    With ``version`` (reads a number every write that can change the count moves), the remembered
    count also stops serving the moment the version moves: that is what lets a long interval stay
    correct, and a long interval matters at scale, where one recount of the visible catalogue
    costs ~0.7 s of CPU at 1 M papers and a 5 s interval made every page rebuild pay it.
    """
    seconds = settings.PAPERFEED_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return int(compute())
    current = version() if version else None
    stored = cache.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == current:
        return int(stored[1])
    value = int(compute())
    cache.set(key, (current, value), seconds)
    return value
