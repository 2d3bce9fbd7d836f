"""The outermost early path: the whole answer the full stack gave an anonymous reader, replayed.

An answer made from a fresh shared copy (``caching.shared_copy`` and ``fresh_copy``, given the
request: pages, the API's ``cached_read``, the feeds) is marked with :func:`replayable`, with
the moment the copy goes stale.
When the request was a GET or HEAD with no cookie, no ``Authorization`` and no body, and the
answer the full stack made of it sets no cookie (no CSRF cookie, session or messages),
``ReplayMiddleware``, first in ``MIDDLEWARE``, keeps that answer (status, every header, body)
and replays it to the same request until the copy goes stale. ``ReplayApplication``, around
Django's WSGI handler in paperfeed/wsgi.py, replays the same kept answers before the handler
builds a request: a cached page cost ~250 µs of CPU through the handler and thirteen
middleware, a replay ~7 µs (docs/performance.md).

What the answer could vary on is part of the key: method, scheme, host and the proxy headers
that name them, path and raw query string, the conditional headers (a feed's 304 is kept as its
own answer), the values of every request header the answer's ``Vary`` names (``Accept`` on a
paper page), and the user agent when DISALLOWED_USER_AGENTS refuses some. Anything else goes to
the full stack: a request with a cookie, a token or a body, a stale copy, an answer that is not
200 or 304 (a 404 is logged by Django's handler). Rate limits that counted the answer
(``count_with``) count each replay too; a replay they refuse goes to the full stack, which
answers the 429 (and counts the request once more, which changes nothing in a fixed window that
is already over its limit).

Copies live in each process, at most PAPERFEED_REPLAY_MB of them (0 turns the path off), oldest
first out; a setting change (tests) forgets them all.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest, get_path_info, get_script_name
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import cc_delim_re

Gate = Callable[[HttpRequest], bool]

# Where the request was sent, as the answer's absolute links and redirects see it.
_WHERE = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)
# Keyed on whatever the answer's Vary says: a 304 and a 200 are different answers.
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
_STATUSES = (200, 304)

# Until when each request's answer may be replayed, and the limits that counted it.
_fresh_until: WeakKeyDictionary[HttpRequest, float] = WeakKeyDictionary()
_gates: WeakKeyDictionary[HttpRequest, list[Gate]] = WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class _Kept:
    until: float
    status: int
    content: bytes
    gates: tuple[Gate, ...]
    size: int
    # As Django's WSGI handler hands them to the server.
    status_line: str
    header_list: tuple[tuple[str, str], ...]


class _Store:
    """The kept answers of this process, oldest first, at most ``settings.PAPERFEED_REPLAY_MB``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # base key -> the META names its answer varies on, and how many answers it has kept;
        # (base, names, values) -> answer.
        self.vary: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self.variants: dict[tuple[Any, ...], int] = {}
        self.kept: OrderedDict[tuple[Any, ...], _Kept] = OrderedDict()
        self.size = 0

    def clear(self) -> None:
        with self.lock:
            self.vary.clear()
            self.variants.clear()
            self.kept.clear()
            self.size = 0

    def get(self, meta: Mapping[str, Any], base: tuple[Any, ...]) -> _Kept | None:
        names = self.vary.get(base)
        if names is None:
            return None
        key = (base, names, tuple(meta.get(name) for name in names))
        kept = self.kept.get(key)
        if kept is None or time.time() < kept.until:
            return kept
        with self.lock:
            if self.kept.get(key) is kept:
                self._drop(key)
        return None

    def _drop(self, key: tuple[Any, ...]) -> None:
        old = self.kept.pop(key)
        self.size -= old.size
        base = key[0]
        left = self.variants.pop(base, 1) - 1
        if left > 0:
            self.variants[base] = left
        else:
            self.vary.pop(base, None)

    def put(
        self, request: HttpRequest, base: tuple[Any, ...], names: tuple[str, ...], kept: _Kept
    ) -> None:
        limit = settings.PAPERFEED_REPLAY_MB * 2**20
        if kept.size > limit // 4:
            return  # one answer may not push out most of the others
        key = (base, names, tuple(request.META.get(name) for name in names))
        with self.lock:
            if key in self.kept:
                self._drop(key)
            self.vary[base] = names
            self.variants[base] = self.variants.get(base, 0) + 1
            self.kept[key] = kept
            self.size += kept.size
            while self.size > limit:
                self._drop(next(iter(self.kept)))


_store = _Store()


def replayable(request: HttpRequest, *, until: float) -> None:
    """This request's answer comes from a shared copy that is fresh until ``until`` (a
    timestamp): the outermost middleware may keep the whole answer and replay it till then."""
    earlier = _fresh_until.get(request)
    _fresh_until[request] = until if earlier is None else min(earlier, until)


def count_with(request: HttpRequest, gate: Gate) -> None:
    """``gate`` counted this request and must count every replay of its answer: it is called
    with the replayed request and returns whether the request may be answered."""
    _gates.setdefault(request, []).append(gate)


def forget_all() -> None:
    _store.clear()


def _forget_on_setting_change(**kwargs: Any) -> None:
    # A kept answer holds headers made from the settings (CSP, security headers, limits).
    _store.clear()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="paperfeed-replay-forget")


def _plain(method: str | None, meta: Mapping[str, Any]) -> bool:
    """A GET or HEAD that carries nothing of its reader: no cookie, token or body."""
    return (
        method in ("GET", "HEAD")
        and not meta.get("HTTP_COOKIE")
        and "HTTP_AUTHORIZATION" not in meta
        and meta.get("CONTENT_LENGTH", "") in ("", "0")
        and "HTTP_TRANSFER_ENCODING" not in meta
    )


def _base_key(method: str, meta: Mapping[str, Any]) -> tuple[Any, ...]:
    """``meta`` as Django's request has it (``PATH_INFO`` decoded, ``SCRIPT_NAME`` set)."""
    where = tuple(meta.get(name) for name in _WHERE)
    proxy = settings.SECURE_PROXY_SSL_HEADER
    # CommonMiddleware refuses these user agents (none by default).
    agent = meta.get("HTTP_USER_AGENT") if settings.DISALLOWED_USER_AGENTS else None
    return (method, where, meta.get(proxy[0]) if proxy else None, agent)


def _vary_names(response: HttpResponseBase) -> tuple[str, ...] | None:
    """The META names of the request headers the answer varies on; None for ``Vary: *``."""
    names = []
    for header in cc_delim_re.split(response.get("Vary", "")):
        header = header.strip()
        if header == "*":
            return None
        if header:
            names.append("HTTP_" + header.upper().replace("-", "_"))
    return tuple(sorted(set(names))) + _CONDITIONAL


def _kept_answer(
    request: HttpRequest, response: HttpResponseBase, until: float
) -> tuple[tuple[str, ...], _Kept] | None:
    if (
        response.status_code not in _STATUSES
        or response.streaming
        or response.cookies
        or not isinstance(response, HttpResponse)
    ):
        return None
    names = _vary_names(response)
    if names is None:
        return None
    header_list = tuple(response.items())
    content = response.content
    size = len(content) + sum(len(k) + len(v) for k, v in header_list) + 512
    size += len(request.META.get("PATH_INFO", "")) + len(request.META.get("QUERY_STRING", ""))
    kept = _Kept(
        until,
        response.status_code,
        content,
        tuple(_gates.get(request, ())),
        size,
        f"{response.status_code} {response.reason_phrase}",
        header_list,
    )
    return names, kept


def _counted(kept: _Kept, request: HttpRequest) -> bool:
    """Whether the limits that counted the kept answer count this request in, too. A limit
    that cannot count (its store failing) sends the request to the full stack, which answers
    as it does for any request then (a 503, or in when RATELIMIT_FAIL_OPEN), never a 500."""
    try:
        return all(gate(request) for gate in kept.gates)
    except Exception:
        return False


def _replay(kept: _Kept) -> HttpResponse:
    response = HttpResponse(kept.content, status=kept.status, headers=dict(kept.header_list))
    if all(name.lower() != "content-type" for name, _ in kept.header_list):
        del response["Content-Type"]  # a 304 has none; HttpResponse would add the default
    return response


class ReplayMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.PAPERFEED_REPLAY_MB <= 0 or not _plain(request.method, request.META):
            return self.get_response(request)
        base = _base_key(request.method or "", request.META)
        kept = _store.get(request.META, base)
        if kept is not None and _counted(kept, request):
            return _replay(kept)
        response = self.get_response(request)
        until = _fresh_until.pop(request, None)
        if until is not None and time.time() < until:
            answer = _kept_answer(request, response, until)
            if answer is not None:
                _store.put(request, base, answer[0], answer[1])
        return response


StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class ReplayApplication:
    """The same replay in front of Django's WSGI handler (paperfeed/wsgi.py, what gunicorn
    runs): a kept answer goes to the server as the handler would hand it over (status line,
    headers in order, body), without building a request, sending the request signals or
    entering the middleware, which cost ~60 µs of an ~80 µs replay. The keys are computed as
    Django's request computes them (``PATH_INFO`` decoded, ``SCRIPT_NAME``), so both layers
    find the same answers; the middleware keeps them."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        kept = self._kept(environ)
        if kept is None:
            return self.application(environ, start_response)
        start_response(kept.status_line, list(kept.header_list))
        return [kept.content]

    def _kept(self, environ: dict[str, Any]) -> _Kept | None:
        method = str(environ.get("REQUEST_METHOD", "")).upper()
        if settings.PAPERFEED_REPLAY_MB <= 0 or not _plain(method, environ):
            return None
        # Django's request replaces these two in the environ it is given: look at a copy.
        meta = {
            **environ,
            "PATH_INFO": get_path_info(environ) or "/",
            "SCRIPT_NAME": get_script_name(environ),
        }
        kept = _store.get(meta, _base_key(method, meta))
        if kept is None or not kept.gates:
            return kept
        # The rate limits count this answer as they counted the one kept; they read the
        # request's address and method, nothing of its body.
        return kept if _counted(kept, WSGIRequest(meta)) else None
