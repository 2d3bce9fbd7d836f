"""The early path for members: a signed-in member's page filled from a fresh kept body, answered
before the rest of the middleware, URL resolution and the view's decorators.

A member's GET of a list or paper page is answered by ``readerslots.shared_for_members`` from a
body every member shares, filled with the member's own parts. Around that fill the full stack
ran thirteen middleware, resolved the URL (~60 patterns) and passed four decorators: 0.7-1.4 ms
of the worker's CPU of a 4-6 ms filled page in process (docs/performance.md, "Eleventh pass").

When the full stack has answered a request so (``readerslots.filled_from``: filled from a kept
body, nothing built), ``MemberPathMiddleware``, right inside the outermost two, remembers for
that request's key (as the anonymous replay keys it: method, scheme, host, proxy headers, path,
query, the conditional headers and the values of the headers the answer's ``Vary`` names but
``Cookie``) which body and version read it was filled from and the answer's headers, which
nothing of the member sets (they come from the settings, the path and those keys). The next
such request is answered here: the session, CSRF and messages middleware's own request and
response halves run as in the full stack (so the session's ``Vary``, the renewed CSRF cookie
and any session write are theirs), the member is read with the page's reads in one statement
(core/readahead.read_ahead) and the body filled (core/readerslots.fill); the learnt headers
complete the answer, with the body's own length.

Anything not certain goes to the full stack, before anything is written: not a GET, no session
cookie, a token or a body, no member in the session, messages waiting, a body that is stale,
missing or not a 200, a paper page whose version moved, or a member Django's ``get_user`` would
not return as they are: no row, an inactive account, a backend no longer configured, a session
hash that is not the current password's (a changed password signs the member out there; a hash
from a fallback secret is cycled there). A database error goes there too (its 503 page).
``PAPERFEED_MEMBER_PATH`` off turns the path off; a setting change forgets what was learnt.

On PostgreSQL a database session's row is read in the member's one statement, not before it
(~0.5 ms of the worker a request, a round trip: docs/performance.md, "Twelfth pass"). The
member's reads need their id, which is in the session's data, so the id is the one this
process last found in the session of that key (:class:`_Members`): the row read with it
decides. Unless it names that member, nothing read is used and the full stack answers, as for
a session that names nobody (an expired or deleted session among them).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from paperfeed.core import readerslots, replay
from paperfeed.core.readahead import Read, ahead_rows, read_ahead, stamp

# How many pages' keys a process remembers (a few hundred bytes each), oldest out first.
MAX_ENTRIES = 4096
# How many sessions' members a process remembers (~150 bytes each), oldest out first.
MAX_MEMBERS = 65536
_VARY_COOKIE = "HTTP_COOKIE"


@dataclass(frozen=True, slots=True)
class _Learnt:
    body_key: str
    read: Read | None
    content_type: str
    # The full stack's headers, in its order ("Content-Length" is the body's own).
    headers: tuple[tuple[str, str], ...]


class _Entries:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.vary: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self.learnt: OrderedDict[tuple[Any, ...], _Learnt] = OrderedDict()

    def clear(self) -> None:
        with self.lock:
            self.vary.clear()
            self.learnt.clear()

    def get(self, request: HttpRequest, base: tuple[Any, ...]) -> _Learnt | None:
        names = self.vary.get(base)
        if names is None:
            return None
        return self.learnt.get((base, tuple(request.META.get(name) for name in names)))

    def put(
        self, request: HttpRequest, base: tuple[Any, ...], names: tuple[str, ...], learnt: _Learnt
    ) -> None:
        key = (base, tuple(request.META.get(name) for name in names))
        with self.lock:
            if self.vary.get(base, names) != names:
                # The answer varies on other headers than before (a new release): start again.
                self.learnt = OrderedDict((k, v) for k, v in self.learnt.items() if k[0] != base)
            self.vary[base] = names
            self.learnt[key] = learnt
            self.learnt.move_to_end(key)
            while len(self.learnt) > MAX_ENTRIES:
                old, _ = self.learnt.popitem(last=False)
                if not any(k[0] == old[0] for k in self.learnt):
                    self.vary.pop(old[0], None)


_entries = _Entries()


class _Members:
    """The member each session key named when this process last read its session: a guess at
    whose reads to run with the session's row, which the row then confirms or refutes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.named: OrderedDict[str, Any] = OrderedDict()

    def get(self, session_key: str | None) -> Any:
        return None if session_key is None else self.named.get(session_key)

    def put(self, session_key: str | None, member_id: Any) -> None:
        if session_key is None or member_id is None or self.named.get(session_key) == member_id:
            return
        with self.lock:
            self.named[session_key] = member_id
            while len(self.named) > MAX_MEMBERS:
                self.named.popitem(last=False)

    def drop(self, session_key: str | None) -> None:
        with self.lock:
            self.named.pop(session_key or "", None)

    def clear(self) -> None:
        with self.lock:
            self.named.clear()


_members = _Members()


def forget_all() -> None:
    _entries.clear()
    _members.clear()


def _forget_on_setting_change(**kwargs: Any) -> None:
    # The learnt headers are made from the settings (CSP, security headers, cookies' names).
    _entries.clear()
    _members.clear()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="paperfeed-memberpath-forget")


def member_as_is(request: HttpRequest) -> Any:
    """The member django.contrib.auth.get_user would return for this session without touching
    it, else an anonymous user: the session's backend is configured and finds an active
    member, and the session's hash is that member's current one. Where get_user would cycle
    the session (a fallback secret) or flush it (a changed password), this returns anonymous
    and the full stack does that."""
    session = request.session
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = load_backend(backend_path).get_user(user_id)
    if user is None:
        return AnonymousUser()
    if hasattr(user, "get_session_auth_hash"):
        session_hash = session.get(HASH_SESSION_KEY)
        if not session_hash or not constant_time_compare(
            session_hash, user.get_session_auth_hash()
        ):
            return AnonymousUser()
    return user


def _session_names(request: HttpRequest, rows: list[tuple[Any, ...]], member_id: Any) -> bool:
    """Load the request's session from its row (read with the member's reads) and tell
    whether it names ``member_id``."""
    session = request.session
    session.load_ahead(rows)  # type: ignore[attr-defined]
    try:
        return bool(get_user_model()._meta.pk.to_python(session[SESSION_KEY]) == member_id)
    except (KeyError, ValidationError):
        return False


def _plain_members_get(request: HttpRequest) -> bool:
    meta = request.META
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME in request.COOKIES
        and "HTTP_AUTHORIZATION" not in meta
        and meta.get("CONTENT_LENGTH", "") in ("", "0")
        and "HTTP_TRANSFER_ENCODING" not in meta
    )


def _learnable(
    request: HttpRequest, response: HttpResponseBase
) -> tuple[tuple[str, ...], _Learnt] | None:
    filled = readerslots.filled_from(request)
    if (
        filled is None
        or response.status_code != 200
        or response.streaming
        or not isinstance(response, HttpResponse)
    ):
        return None
    names = replay._vary_names(response)
    if names is None:
        return None
    names = tuple(name for name in names if name != _VARY_COOKIE)
    learnt = _Learnt(filled[0], filled[1], response["Content-Type"], tuple(response.items()))
    return names, learnt


class MemberPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # Their own halves, run here as the full stack runs them (get_response is never called).
        self.session = SessionMiddleware(get_response)
        self.csrf = CsrfViewMiddleware(get_response)
        self.messages = MessageMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.PAPERFEED_MEMBER_PATH or not _plain_members_get(request):
            return self.get_response(request)
        base = replay._base_key("GET", request.META)
        learnt = _entries.get(request, base)
        if learnt is not None:
            try:
                early = self._answer(request, learnt)
            except DatabaseError:
                early = None  # the full stack answers (EdgeMiddleware: its 503 page)
            if early is not None:
                return early
            request.__dict__.pop("_paperfeed_ahead", None)  # read for the attempt only
        response = self.get_response(request)
        found = _learnable(request, response)
        if found is not None:
            _entries.put(request, base, *found)
            _members.put(request.session.session_key, request.user.pk)
        return response

    def _answer(self, request: HttpRequest, learnt: _Learnt) -> HttpResponse | None:
        stored = readerslots.kept_body(learnt.body_key)
        if stored is None or stored.status != 200 or stored.content_type != learnt.content_type:
            return None  # stale or missing: the full stack decides who builds it
        self.session.process_request(request)
        session = request.session
        read = learnt.read
        also = [read] if read is not None else []
        key = session.session_key  # None once a session row is found missing
        guess = _members.get(key)
        session_read = getattr(session, "ahead_read", None)  # accounts/sessions.py
        row = session_read() if guess is not None and session_read is not None else None
        if row is None and SESSION_KEY not in session:
            return None
        lazy = SimpleLazyObject(lambda: member_as_is(request))
        request.user = lazy  # type: ignore[assignment]
        if row is None:
            found = read_ahead(stored.pieces, request, also=also)
        else:
            found = read_ahead(
                stored.pieces,
                request,
                also=[row, *also],
                member_id=guess,
                then=lambda ahead: _session_names(request, ahead[row.key], guess),
            )
        if not found:
            _members.drop(key)
            return None
        self.messages.process_request(request)
        if len(request._messages):  # type: ignore[attr-defined]
            return None
        if read is not None and stamp(ahead_rows(request, read.key) or []) != stored.version:
            return None  # the paper changed: the full stack builds its body again
        _members.put(key, guess if row is not None else request.user.pk)
        # The member as read, not behind the lazy proxy: the fill reads them ~50 times a paper
        # page, and each read through SimpleLazyObject cost a failed attribute lookup first
        # (~4 % of a filled page, docs/performance.md "Thirteenth pass").
        request.user = lazy._wrapped  # type: ignore[attr-defined]
        # From here on as the full stack: nothing returns to it.
        self.csrf.process_request(request)
        content = readerslots.fill_bytes(stored.pieces, request)
        length = str(len(content))
        headers = {
            name: length if name.lower() == "content-length" else value
            for name, value in learnt.headers
        }
        response = HttpResponse(content, status=200, headers=headers)
        # The response halves in the full stack's order (innermost first).
        self.messages.process_response(request, response)
        self.csrf.process_response(request, response)
        self.session.process_response(request, response)
        return response
