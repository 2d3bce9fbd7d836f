"""How long a member's kept body may be kept (core/readerslots.py). A body with a read of
everything it shows (a paper page, a comment thread) is, when its interval is over and that read
is unchanged, kept another interval instead of built again; the parts of a page tell the build
what else bounds it (a moment from which a part reads differently, a part no read covers, a
file it shows), and the day and a safety bound bound it too. Also the digest of the code and
settings that is part of every kept body's key.
"""

from __future__ import annotations

import functools
import hashlib
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

# Drawn within the last quarter of the safety bound, as readerslots.spread draws the interval.
SPREAD = 0.25

# A body is renewed interval after interval while what it shows is unchanged, until the day
# turns or a part it shows would read differently, and for at most this long from its build: a
# safety bound (what it shows is checked at each interval's end).
VERSIONED_KEEP_SECONDS = 3600.0


class _Keep:
    """What the parts of a body being built for a long keep said about it (:func:`keep_until`,
    :func:`short_lived`, :func:`watch`)."""

    __slots__ = ("short", "until", "watches")

    def __init__(self, until: float) -> None:
        self.until = until
        self.short = False
        self.watches: list[tuple[str, str, object]] = []


_keeping: ContextVar[_Keep | None] = ContextVar("paperfeed_keeping", default=None)
# kind -> the current value of what a kept body showed of it, by the watch's argument.
_watchers: dict[str, Callable[[str], object]] = {}


def keep_until(moment: float) -> None:
    """A part of the body being built reads differently from ``moment`` (epoch seconds) on (a
    chart's window moving past its oldest point): the body is not kept past it."""
    keep = _keeping.get()
    if keep is not None:
        keep.until = min(keep.until, moment)


def short_lived() -> None:
    """A part of the body being built that no read covers (a chart ending now): the body is
    built again after its interval, never renewed. (A time shown in minutes or hours bounds it
    with :func:`keep_until` instead: the moment its words move on.)"""
    keep = _keeping.get()
    if keep is not None:
        keep.short = True


def watcher_register(kind: str, current: Callable[[str], object]) -> None:
    """``current(arg)``: the value now of what a kept body recorded with ``watch(kind, arg,
    value)`` (from an app's ``AppConfig.ready()``)."""
    _watchers[kind] = current


def watch(kind: str, arg: str, value: object) -> None:
    """The body being built shows ``value``, a state outside the database no read covers (a
    file): a renewal compares it with ``current(arg)`` of ``kind``'s watcher, and a body that
    no longer matches is built again."""
    keep = _keeping.get()
    if keep is not None and kind in _watchers:
        keep.watches.append((kind, arg, value))


def watches_hold(watches: tuple[tuple[str, str, object], ...]) -> bool:
    """Whether everything a kept body watched still has the value it was built with."""
    return all(_watchers[kind](arg) == value for kind, arg, value in watches)


def _next_midnight(now: float) -> float:
    """The next midnight in UTC or in the current time zone, whichever comes first: when a
    day's words ("yesterday", "3 days ago") and a featured day's chart point move on."""
    moment = datetime.fromtimestamp(now, UTC)
    turns = []
    for zone in {UTC, timezone.get_current_timezone()}:
        local = moment.astimezone(zone)
        start = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
        turns.append(start.timestamp())
    return min(turns)


@contextmanager
def keep_build() -> Iterator[_Keep]:
    """Around a body's build: what its parts say (above) gathered on the yielded record, its
    moment to be built again by starting at the safety bound (drawn, so bodies built together
    do not all turn together) or the next midnight."""
    now = time.time()
    keep = _Keep(
        min(now + VERSIONED_KEEP_SECONDS * (1 - SPREAD * random.random()), _next_midnight(now))
    )
    token = _keeping.set(keep)
    try:
        yield keep
    finally:
        _keeping.reset(token)


@functools.cache
def code_signature() -> str:
    """A digest of the code and templates this process renders with and of its plain settings,
    in the key of every kept body: a body may be kept an hour, in a file that outlives the
    process (and in a cache other hosts share), and one built by other code or settings must
    not be served after a deploy or a restart. Worked out once per process: a running process's
    code and settings do not change (a test that changes a setting keeps its bodies' keys)."""
    digest = hashlib.blake2b(digest_size=8)
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".txt") and path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    names = sorted(name for name in dir(settings) if name.isupper() and "SECRET" not in name)
    digest.update(repr([(name, _plain(getattr(settings, name))) for name in names]).encode())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """``value`` as plain data with the same repr in every process (an object's repr may hold
    its address: its type stands for it)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return sorted(((str(key), _plain(item)) for key, item in value.items()), key=repr)
    return type(value).__qualname__
