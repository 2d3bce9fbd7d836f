"""A member's own reads on a page filled from a shared body (core/readerslots), asked before the
fill in one statement.

Each kind of slot registers the reads its filler needs (:func:`reads_register`, from the
``AppConfig.ready()`` of the app that owns the part); :func:`read_ahead` runs them, with the
member's own row when it is not read yet, as one statement on PostgreSQL
(:func:`paperfeed.core.compiled.rows_together`), checks the member as Django does from that row,
and keeps the rows on the request for that member only (:func:`ahead_rows`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from paperfeed.core.caching import user_loaded
from paperfeed.core.compiled import Compiled, rows_together


@dataclass(frozen=True, slots=True)
class Read:
    """One read of a member's own data that a filler needs, asked before the page is filled
    together with the page's other such reads, in one statement (:func:`read_ahead`); the
    filler finds its rows under ``key`` (:func:`ahead_rows`)."""

    key: Hashable
    query: Compiled
    values: Sequence[Any]


# kind -> reads(request, the member's id, the arguments of every slot of that kind on the page).
Reads = Callable[[HttpRequest, Any, list[str]], list[Read]]
_reads: dict[str, Reads] = {}
# The rows read ahead while the request's user is read from them (see :func:`ahead_now`).
_reading: ContextVar[dict[Hashable, Any] | None] = ContextVar("paperfeed_read_ahead", default=None)


def reads_register(kind: str, reads: Reads) -> None:
    """Read ahead what the fillers of ``kind`` slots need (from an app's ``AppConfig.ready()``)."""
    _reads[kind] = reads


def read_ahead(
    pieces: Sequence[str | bytes],
    request: HttpRequest,
    *,
    also: Sequence[Read] = (),
    member_id: Any = None,
    then: Callable[[Mapping[Hashable, Any]], bool] | None = None,
) -> bool:
    """Before a member's page is filled: every registered read its slots need, the member's
    own row among them when it is not read yet, in one statement; then the member is checked
    as Django checks them (django.contrib.auth.get_user: active, the session's password hash),
    from the row read here. False when the session names no member after all: nothing read
    is kept, and the page must not be filled for them. ``also``: reads of the page's own
    (its version) to run in the same statement.

    What is read is kept on the request for this member only (:func:`ahead_rows`), never in
    a cache: one query's worth of each reader's state, as before, in one round trip.

    ``member_id`` reads for that member without asking the session (not loaded yet: its row
    is one of ``also``); ``then(rows)`` runs before the member is checked (it loads the
    session from its row) and False from it is False here."""
    if member_id is None and user_loaded(request):
        if not request.user.is_authenticated:
            return False
        member_id = request.user.pk
    elif member_id is None:
        try:
            member_id = get_user_model()._meta.pk.to_python(request.session[SESSION_KEY])
        except (KeyError, ValidationError):
            return bool(request.user.is_authenticated)
    kinds: dict[str, list[str]] = {}
    for i in range(1, len(pieces), 3):
        kinds.setdefault(str(pieces[i]), []).append(str(pieces[i + 1]))
    reads = [
        *also,
        *(
            read
            for kind, args in kinds.items()
            if kind in _reads
            for read in _reads[kind](request, member_id, args)
        ),
    ]
    found = rows_together([(read.query, read.values) for read in reads]) if reads else []
    ahead = {read.key: rows for read, rows in zip(reads, found, strict=True)}
    if then is not None and not then(ahead):
        return False
    token = _reading.set(ahead)
    try:
        member = bool(request.user.is_authenticated)  # read from ``ahead`` (accounts' backend)
    finally:
        _reading.reset(token)
    if not member or request.user.pk != member_id:
        return False
    request.__dict__["_paperfeed_ahead"] = (member_id, ahead)
    return True


def ahead_rows(request: HttpRequest, key: Hashable) -> list[tuple[Any, ...]] | None:
    """The rows read ahead under ``key`` for this request's member, or None (not read ahead:
    the filler asks its own query)."""
    kept = request.__dict__.get("_paperfeed_ahead")
    if kept is None or not request.user.is_authenticated or kept[0] != request.user.pk:
        return None
    rows: list[tuple[Any, ...]] | None = kept[1].get(key)
    return rows


def ahead_now(key: Hashable) -> list[tuple[Any, ...]] | None:
    """The rows read ahead under ``key`` while :func:`read_ahead` reads the request's user from
    them (the authentication backend's ``get_user`` has no request), else None."""
    reading = _reading.get()
    return None if reading is None else reading.get(key)


def stamp(rows: Sequence[Sequence[Any]]) -> str:
    """A digest of a version read's rows (the same values give the same digest, whether they
    were read alone or with the member's reads)."""
    return hashlib.blake2b(repr([tuple(row) for row in rows]).encode(), digest_size=16).hexdigest()
