"""A signed-in reader's list page as a body shared by every member, with each reader's own parts
filled in per request.

A member's page differs from another member's only in a few places: the account menu (their
name, the sign-out form with their CSRF token), their flash messages, and on each card their
vote and save buttons (their state, their token). Everything else (the frame, the cards, the
pagination) is the same bytes for every member who reads that path. So the page is built once
per PAPERFEED_PAGE_CACHE_SECONDS with a *slot* where each reader's part goes
(:func:`slot`, while :func:`building` is true), kept beside the anonymous copy through
:func:`paperfeed.core.caching.shared_copy` (same freshness, same one-rebuild-at-a-time), and
filled per request in one pass over the kept pieces (:func:`fill`), each kind of slot by its
filler (registered from the ``AppConfig.ready()`` of the app that owns the part), which sees all
the page's slots of its kind at once so it can ask one query for the page. Those queries, and
the member's own row, are asked before the fill in one statement
(:func:`paperfeed.core.readahead.read_ahead`).

A slot has the form of the search cards' title slot (``community.cards.TITLE_SLOT``): an HTML
comment. Every text a page shows from outside is escaped ("<" becomes "&lt;"), so no paper,
comment or query can write one; the slot's arguments are digits only.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import format_html

from paperfeed.core.bodykeep import code_signature, keep_build, watches_hold
from paperfeed.core.caching import (
    across_copy,
    copy_store,
    fresh_copy,
    names_member,
    shared_copy,
)
from paperfeed.core.csrfmask import get_token
from paperfeed.core.readahead import Read, ahead_rows, read_ahead, stamp

# The kind of part, then its arguments (digits, colon-separated): "<!--pf:card:12:3:4-->".
_SLOT = re.compile(r"<!--pf:([a-z]+):([0-9:]*)-->")

_building: ContextVar[bool] = ContextVar("paperfeed_shared_body", default=False)
# The reader's masked CSRF token while a page is filled (made at its first use).
_fill_token: ContextVar[list[str] | None] = ContextVar("paperfeed_fill_token", default=None)

# kind -> filler(request, the arguments of every slot of that kind on the page) -> a function
# from one slot's arguments to that reader's HTML.
Filler = Callable[[HttpRequest, list[str]], Callable[[str], str]]
_fillers: dict[str, Filler] = {}

# The kept body each request's member page was filled from, and its version read (see
# :func:`filled_from`).
_filled: WeakKeyDictionary[HttpRequest, tuple[str, Read | None]] = WeakKeyDictionary()

# A kept body is fresh for a time drawn from the last quarter of the freshness bound, or from
# all but its first tenth while the process is starting (see :func:`spread`).
SPREAD = 0.25
STARTING_SPREAD = 0.9
# When this process was first asked for a body (time.monotonic()).
_first_build: list[float] = []


def spread(seconds: int) -> float:
    """How long one newly built body stays fresh: at most ``seconds`` (the freshness bound
    holds), drawn anew at each build, at least ``(1 - SPREAD) * seconds`` once the process has
    run for one interval and ``(1 - STARTING_SPREAD) * seconds`` before.

    A worker builds the bodies of the pages it serves within moments of each other as it
    starts; with one freshness for all, they went stale together and were rebuilt one after
    another by consecutive requests, every interval: 25 pages at ~10 ms each held one worker
    for ~250 ms while the requests queued behind it waited (bench/signed_in_tail.py). Drawn
    over most of the interval at start, their rebuilds fall apart at once (each body is built
    once more early, once per process); drawn from the last quarter afterwards, they stay
    apart without rebuilding more often."""
    now = time.monotonic()
    if not _first_build:
        _first_build.append(now)
    share = STARTING_SPREAD if now - _first_build[0] < seconds else SPREAD
    return seconds * (1 - share * random.random())


def fresh_for(seconds: int, until: float) -> float:
    """How long a body built or renewed now stays fresh: :func:`spread` of the freshness bound,
    but never past ``until``, the moment what it shows may read differently
    (core/bodykeep.py)."""
    return min(spread(seconds), until - time.time())


def filler_register(kind: str, filler: Filler) -> None:
    """Fill every ``kind`` slot with ``filler`` (from an app's ``AppConfig.ready()``)."""
    if not re.fullmatch(r"[a-z]+", kind):
        raise ValueError(f"slot kinds are lower-case letters: {kind!r}")
    _fillers[kind] = filler


def template_filler(
    template_name: str,
    *,
    load: Callable[[list[int]], Mapping[int, Any]],
    name: str = "paper",
    wanted: Callable[[HttpRequest, int], bool] | None = None,
) -> Filler:
    """A filler that renders ``template_name`` for this reader once per slot (slot "kind:id"),
    with the object ``load`` finds for the id as ``name`` (all the page's ids read at once);
    an id ``load`` does not find fills nothing, and so does one ``wanted(request, id)`` turns
    down (asked first, so a part most readers do not see loads nothing for them)."""

    def filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
        ids = [int(arg) for arg in args]
        if wanted is not None:
            ids = [pk for pk in ids if wanted(request, pk)]
        objects = load(ids) if ids else {}
        html = {
            arg: render_to_string(
                template_name,
                {name: objects[int(arg)], "csrf_token": csrf_token(request)},
                request=request,
            )
            if int(arg) in objects
            else ""
            for arg in args
        }
        return html.__getitem__

    return filler


def csrf_input(token: str) -> str:
    """What ``{% csrf_token %}`` writes, for the slot "csrf" and for parts written in Python."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


# Stands for a card's number in a reader's box (a vote box, a save button) while the box's text
# around its numbers is worked out once per page: community/voteboxes.py, library/cards.py.
MARK = "\0"


def cut_around(marked: str, numbers: int) -> list[str] | None:
    """``marked``, a box formatted with :data:`MARK` for each of its ``numbers`` card numbers,
    cut at the marks: the texts to join with each card's numbers, the same text as the box
    formatted per card by construction. None when the reader's own text (the page's path)
    holds the mark too: the box is then formatted per card."""
    cut = marked.split(MARK)
    return cut if len(cut) == numbers + 1 else None


def csrf_token(request: HttpRequest) -> str:
    """The reader's masked CSRF token: one for all the parts of a page being filled (as one
    template render masks it once for all its forms), else one masked afresh; as Django's
    ``get_token`` makes it, for less CPU (core/csrfmask.py)."""
    kept = _fill_token.get()
    if kept is None:
        return get_token(request)
    if not kept:
        kept.append(get_token(request))
    return kept[0]


def _csrf_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """The reader's CSRF field (slot "csrf")."""
    html = csrf_input(csrf_token(request))
    return lambda _args: html


_fillers["csrf"] = _csrf_filler


def building() -> bool:
    """Whether the page being rendered is a shared body: reader parts must be slots."""
    return _building.get()


@contextmanager
def shared_build() -> Iterator[None]:
    token = _building.set(True)
    try:
        yield
    finally:
        _building.reset(token)


def slot(kind: str, *args: int) -> str:
    """Where one reader part of ``kind`` goes in a shared body."""
    return f"<!--pf:{kind}:{':'.join(str(int(arg)) for arg in args)}-->"


def split(body: str) -> list[str]:
    """The body as [text, kind, args, text, kind, args, …, text]: what is kept, so a fill
    never searches the page again."""
    return _SLOT.split(body)


def _slots_filled(
    pieces: Sequence[str | bytes], request: HttpRequest, own: Mapping[str, str]
) -> list[str]:
    """Each slot's HTML for this reader, in the page's order (see :func:`fill`)."""
    wanted: dict[str, list[str]] = {}
    for i in range(1, len(pieces), 3):
        kind = str(pieces[i])
        if kind not in own:
            wanted.setdefault(kind, []).append(str(pieces[i + 1]))
    outer = _fill_token.get()
    token = _fill_token.set(outer if outer is not None else [])  # a part inside a page shares it
    try:
        parts = {
            kind: _fillers[kind](request, args) for kind, args in wanted.items() if kind in _fillers
        }
        html = []
        for i in range(1, len(pieces), 3):
            kind = str(pieces[i])
            if kind in own:
                html.append(own[kind])
            else:
                part = parts.get(kind)
                html.append(part(str(pieces[i + 1])) if part is not None else "")
    finally:
        _fill_token.reset(token)
    return html


def fill(pieces: list[str], request: HttpRequest, *, own: Mapping[str, str] | None = None) -> str:
    """The page for this reader: each slot replaced by its filler's HTML, each filler asked once
    with all its slots. A slot of a kind nobody fills is left out (nothing of another reader
    can be in it: it holds digits only). ``own`` fills the slots of its kinds with its HTML
    for this request alone (a search page's query and results: papers/search_page.py)."""
    html = _slots_filled(pieces, request, own or {})
    out = [""] * (2 * len(html) + 1)
    out[0::2] = pieces[0::3]
    out[1::2] = html
    return "".join(out)


def encoded(pieces: list[str]) -> list[str | bytes]:
    """The pieces of :func:`split` with their texts as UTF-8 bytes (the slots' kinds and
    arguments stay text), as a member's kept body holds them for :func:`fill_bytes`."""
    return [piece.encode() if i % 3 == 0 else piece for i, piece in enumerate(pieces)]


def fill_bytes(pieces: Sequence[str | bytes], request: HttpRequest) -> bytes:
    """:func:`fill` of :func:`encoded` pieces, as the UTF-8 bytes of the answer: the kept text
    is joined as it was encoded once at the build, and only the readers' parts are encoded per
    request (the whole page's encode cost a 140 KB list ~0.3 ms, and its text, kept as ``str``,
    was decoded from the cache on every request)."""
    html = _slots_filled(pieces, request, {})
    out: list[bytes] = [b""] * (2 * len(html) + 1)
    out[0::2] = pieces[0::3]  # type: ignore[assignment]
    out[1::2] = [part.encode() for part in html]
    return b"".join(out)


def filled_from(request: HttpRequest) -> tuple[str, Read | None] | None:
    """The key of the kept body this request's member page was filled from, with the read of
    its version (None for a page without one), when it was filled from a kept body without
    building one; else None. core/memberpath.py answers the same request so from then on."""
    return _filled.get(request)


class Body(NamedTuple):
    """A kept body: the answer's status and type, its pieces (:func:`encoded`: the texts as
    UTF-8 bytes), the stamp of its version read, and what renewing it checks (the stamp of
    everything it shows, the files it watched, the moment it must be built again by) or None
    for a body only rebuilt."""

    status: int
    content_type: str
    pieces: list[str | bytes]
    version: str
    renew: tuple[str, tuple[tuple[str, str, object], ...], float] | None


def kept_body(key: str) -> Body | None:
    """The body kept under ``key`` while it is fresh, else None (nothing is built or locked).
    Shared: a fill only reads the body's pieces."""
    stored: Body | None = fresh_copy(key, shared=True)
    return stored


def shared_for_members(
    view: Callable[..., HttpResponse] | None = None,
    *,
    version: Callable[..., Read | None] | None = None,
    shown: Callable[..., Read | Sequence[Sequence[Any]] | None] | None = None,
) -> Any:
    """Serve a signed-in member's GET of this page from the shared body of its path, filled with
    their own parts. Anonymous readers (and everything but a member's GET) reach ``view`` as
    before (under ``cached_for_anonymous``, which serves them their own shared copy).

    ``version(request, *args, **kwargs)``, when given, is a read of what the page shows that
    can be versioned cheaply (a paper's row): it runs with the member's reads (read_ahead), and
    a kept body built from other rows is built afresh at once instead of within the freshness
    bound (``@shared_for_members(version=...)``).

    ``shown(request, *args, **kwargs)``: a read of everything the page shows (a paper's row and
    the parts apps register with it: one statement), or the rows of such a read in several (a
    list's frame, its papers in order and what each shows: papers/list_shown.py); None for a
    page never renewed. When a kept body's interval is over it is read and, when it is what the
    body was built from and nothing else bounds the body (core/bodykeep.py: the day, a part's
    moment, a watched file, a time in minutes, the safety bound), the body is kept another
    interval instead of built again."""
    if view is None:
        return lambda inner: shared_for_members(inner, version=version, shown=shown)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PAPERFEED_PAGE_CACHE_SECONDS
        # The member's row is not read here but with the page's other reads (read_ahead).
        if seconds <= 0 or request.method != "GET" or not names_member(request):
            return view(request, *args, **kwargs)
        built: list[HttpResponse] = []
        read = version(request, *args, **kwargs) if version is not None else None
        kept_for: list[float] = []

        def shown_stamp() -> str | None:
            everything = shown(request, *args, **kwargs) if shown is not None else None
            if isinstance(everything, Read):
                everything = everything.query.rows(everything.values)
            return stamp(everything) if everything is not None else None

        def build() -> Body | None:
            if not request.user.is_authenticated:
                return None  # no member after all: nothing built for members (see below)
            # Read before the view: a change while it renders makes the next request rebuild.
            version_stamp = stamp(read.query.rows(read.values)) if read is not None else ""
            everything = shown_stamp()
            with shared_build(), keep_build() as keep:
                built.append(view(request, *args, **kwargs))
            kept_for.append(fresh_for(seconds, keep.until))
            response = built[-1]
            if response.status_code not in (200, 404) or response.streaming:
                return None  # served (filled below), not kept
            pieces = encoded(split(response.content.decode()))
            watched = tuple(keep.watches)
            return Body(
                response.status_code,
                response["Content-Type"],
                pieces,
                version_stamp,
                (everything, watched, keep.until)
                if everything is not None and not keep.short
                else None,
            )

        def renew(kept: Body) -> bool:
            if kept.renew is None:
                return False
            everything, watched, until = kept.renew
            if time.time() >= until or shown_stamp() != everything or not watches_hold(watched):
                return False
            kept_for.append(fresh_for(seconds, until))
            return True

        # "v4": kept as a Body of encoded pieces, under the code that built it (a shared cache
        # may hold copies of an earlier form for a while).
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"members:v4:{code_signature()}:{path}"
        stored = shared_copy(key, lambda _: kept_for[-1], build, across=True, renew=renew)
        if stored is not None:
            also = [read] if read is not None and not built else []
            if not read_ahead(stored.pieces, request, also=also):
                # The session named someone who is no member (any more): their page as anyone's.
                return view(request, *args, **kwargs)
            current = stamp(ahead_rows(request, also[0].key) or []) if also else stored.version
            if current != stored.version:
                # What the page shows changed since (a vote, an edit): another process may have
                # built it already; else it is built now, for everyone.
                stored = across_copy(key, lambda kept: kept.version == current)
                if stored is None:
                    stored = build()
                    copy_store(key, stored, kept_for[-1] if stored else 0, across=True)
        if stored is not None:
            if not built:
                _filled[request] = (key, read)
            return HttpResponse(
                fill_bytes(stored.pieces, request),
                content_type=stored.content_type,
                status=stored.status,
            )
        if not built:
            return view(request, *args, **kwargs)
        response = built[-1]
        if not response.streaming and response.content:
            response.content = fill(split(response.content.decode()), request).encode()
        return response

    return wrapper
