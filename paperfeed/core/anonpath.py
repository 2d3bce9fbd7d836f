"""The lean path for an anonymous GET of a registered view (the search page): the view called
with the middleware's own halves that can change its answer, without the rest of the stack.

A search answer is new for every distinct query, so nothing of it can be kept or replayed; but
around the view the full stack ran thirteen middleware, resolved the URL (it walks eleven
resolvers before the papers' include) and ran the handler's view hooks, and for an anonymous
reader with no cookie most of that cannot change the answer (docs/performance.md, "tenth
pass (S73)"). A view opts in with :func:`lean_for_anonymous`, naming the query parameters it
reads.

``AnonymousPathMiddleware``, right inside the replay, the mapped-files check and the member
path, answers a GET to such a view's path (no arguments in it) when the request carries
nothing of a reader (no cookie, token or body: ``replay._plain``) and only the view's
parameters, none with control characters (the edge would clean those). It runs, in the full
stack's order, the request halves of the security, CSP, session, common (host and user agent
checks), CSRF, authentication and messages middleware, calls the view with the resolver match
the full stack would set, then their response halves innermost first (X-Frame-Options,
messages, CSRF, common's Content-Length, session, CSP, security headers), so every header and
cookie is theirs. What it skips does nothing to such a request: WhiteNoise (not a static
path), the edge (no body, no control characters; a failing view goes to the full stack), the
API's CORS and Markdown negotiation (not their paths), the kept-page middleware (the view's
``cached_for_anonymous`` makes the same lookup), CSRF's view hook (a GET is accepted).

Anything not certain goes to the full stack before or instead of this answer: not a GET, a
cookie, token or body, another parameter, a control character, a middleware list other than
the one this was written for, atomic requests, a request half that answers or raises (an HTTPS
redirect, a bad host, a refused user agent) and a view that raises (a database fault's 503 is
the edge's; the full stack runs the view again). ``PAPERFEED_ANON_PATH`` off turns it off.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from weakref import WeakSet

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.signals import setting_changed
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import (
    NoReverseMatch,
    ResolverMatch,
    get_resolver,
    get_script_prefix,
    get_urlconf,
    resolve,
)
from django.urls import reverse as url_reverse

from paperfeed.core import replay
from paperfeed.core.cspheader import ConstantCSPMiddleware
from paperfeed.core.text import has_control_characters

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

# The middleware inside this one that the path was written against, in order (settings'
# MIDDLEWARE after it, security to the kept page): their halves are run or skipped as the
# docstring says. A digest, not a copy of the list: any change to that part of MIDDLEWARE
# turns the path off until someone checks the halves again and updates it.
INNER_DIGEST = "f0a5f81e754cdc3f4af5c121c13be8842996ec9e7dd34e0a3a806cfc1d698a5a"
_NAME = f"{__name__}.AnonymousPathMiddleware"
# Each MIDDLEWARE list seen -> whether its inner part is the one written for.
_checked: dict[tuple[str, ...], bool] = {}

# Each registered view -> its URL's name and the query parameters it reads.
_views: dict[Callable[..., HttpResponseBase], tuple[str, frozenset[str]]] = {}
# (URL configuration, script prefix) -> path_info -> (resolver match, parameters).
_paths: dict[tuple[str, str], dict[str, tuple[ResolverMatch, frozenset[str]]]] = {}
_lock = threading.Lock()
# The requests this path answered (tests and benches tell the two paths apart by it).
_answered: WeakSet[HttpRequest] = WeakSet()


def lean_for_anonymous(url_name: str, *, params: Iterable[str]) -> Callable[[View], View]:
    """Let ``AnonymousPathMiddleware`` answer an anonymous GET of this view (``url_name``, a
    URL with no arguments) that has no query parameters but ``params``. Outermost of the
    view's decorators: the middleware calls what the URL configuration holds."""

    def register(view: View) -> View:
        _views[view] = (url_name, frozenset(params))
        _paths.clear()
        return view

    return register


def answered_early(request: HttpRequest) -> bool:
    return request in _answered


def _forget_on_setting_change(**kwargs: Any) -> None:
    # The URL configuration, static URL or script prefix may be another.
    _paths.clear()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="paperfeed-anonpath-forget")


def _registered_paths() -> dict[str, tuple[ResolverMatch, frozenset[str]]]:
    prefix = get_script_prefix()
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = (str(urlconf), prefix)
    table = _paths.get(key)
    if table is not None:
        return table
    get_resolver(urlconf).url_patterns  # noqa: B018  # imports the views: they register
    table = {}
    static = "/" + settings.STATIC_URL.lstrip("/") if settings.STATIC_URL else None
    for view, (url_name, params) in list(_views.items()):
        try:
            path_info = "/" + url_reverse(url_name).removeprefix(prefix)
        except NoReverseMatch:
            continue
        match = resolve(path_info)
        # Another pattern before it may take the path; a static path is WhiteNoise's.
        if match.func is view and not (static and path_info.startswith(static)):
            table[path_info] = (match, params)
    with _lock:
        _paths[key] = table
    return table


def _written_for(middleware: Iterable[str]) -> bool:
    names = tuple(middleware)
    known = _checked.get(names)
    if known is None:
        inner = names[names.index(_NAME) + 1 :] if _NAME in names else ()
        known = hashlib.sha256("\n".join(inner).encode()).hexdigest() == INNER_DIGEST
        _checked[names] = known
    return known


def _takes(request: HttpRequest) -> tuple[ResolverMatch, frozenset[str]] | None:
    if (
        request.method != "GET"
        or not settings.PAPERFEED_ANON_PATH
        or not replay._plain("GET", request.META)
        or not _written_for(settings.MIDDLEWARE)
    ):
        return None
    found = _registered_paths().get(request.path_info)
    if found is None or any(db.settings_dict.get("ATOMIC_REQUESTS") for db in connections.all()):
        return None
    for name, values in request.GET.lists():
        if name not in found[1] or any(has_control_characters(name + v) for v in values):
            return None
    return found


class AnonymousPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # Their own halves, run here as the full stack runs them (get_response is never called).
        self.security = SecurityMiddleware(get_response)
        self.csp = ConstantCSPMiddleware(get_response)
        self.session = SessionMiddleware(get_response)
        self.common = CommonMiddleware(get_response)
        self.csrf = CsrfViewMiddleware(get_response)
        self.auth = AuthenticationMiddleware(get_response)
        self.messages = MessageMiddleware(get_response)
        self.xframe = XFrameOptionsMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        found = _takes(request)
        if found is None:
            return self.get_response(request)
        try:
            response = self._answer(request, found[0])
        except Exception:
            response = None  # the full stack answers it (a 400, 403 or 503 page, or a 500)
        if response is None:
            return self.get_response(request)
        _answered.add(request)
        return response

    def _answer(self, request: HttpRequest, match: ResolverMatch) -> HttpResponseBase | None:
        if self.security.process_request(request) is not None:
            return None  # an HTTPS redirect
        self.csp.process_request(request)
        self.session.process_request(request)
        if self.common.process_request(request) is not None:
            return None  # PREPEND_WWW's redirect
        self.csrf.process_request(request)
        self.auth.process_request(request)
        self.messages.process_request(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        if not isinstance(response, HttpResponse) or not getattr(response, "is_rendered", True):
            return None  # a stream or a template response: the full stack answers those
        # The response halves in the full stack's order (innermost first).
        self.xframe.process_response(request, response)
        self.messages.process_response(request, response)
        self.csrf.process_response(request, response)
        self.common.process_response(request, response)
        self.session.process_response(request, response)
        self.csp.process_response(request, response)
        self.security.process_response(request, response)
        return response
