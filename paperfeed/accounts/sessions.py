"""The session engine: Django's database sessions, with the session row read by a query
compiled once per connection (core/compiled.py).

Every signed-in request reads its session first. ``Session.objects.get(session_key=...,
expire_date__gt=now)`` cost the ORM more CPU to build than the database to answer. The same
query (the same SQL, the key and the current time as the ORM adapts them) runs here, and the
same rules follow: an expired or deleted session is no session, at the next request.

On PostgreSQL a member's page answered early (core/memberpath.py) reads the row in the
statement of the member's own reads (:meth:`SessionStore.ahead_read`, then
:meth:`SessionStore.load_ahead`): the same query and values, one round trip fewer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from paperfeed.core.compiled import CompiledInstances, compile_instances
from paperfeed.core.readahead import Read

# Where the call's key and time go in the compiled query: no key or expiry has these values.
_KEY_SENTINEL = "pf-session-key-sentinel-4f1c9e"
_TIME_SENTINEL = datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=UTC)


@lru_cache(maxsize=16)
def _live_session(connection: BaseDatabaseWrapper) -> CompiledInstances:
    """The live session with a key, compiled once per connection (the thread's own)."""
    query = Session.objects.filter(session_key=_KEY_SENTINEL, expire_date__gt=_TIME_SENTINEL)
    adapted = connection.ops.adapt_datetimefield_value(_TIME_SENTINEL)
    return compile_instances(query, [_KEY_SENTINEL, adapted])


class SessionStore(db.SessionStore):
    def ahead_read(self) -> Read | None:
        """The live session's row as a read to run in another statement (core/readahead.py),
        on PostgreSQL while the session is not loaded yet; else None (SQLite answers in the
        worker's own process: no round trip to save)."""
        connection = connections[DEFAULT_DB_ALIAS]
        if (
            self.session_key is None
            or connection.vendor != "postgresql"
            or hasattr(self, "_session_cache")
        ):
            return None
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        return Read(
            ("session", self.session_key), _live_session(connection).query, [self.session_key, now]
        )

    def load_ahead(self, rows: list[tuple[Any, ...]]) -> None:
        """Load the session from the rows :meth:`ahead_read` read, as from its own query."""
        self._ahead_rows = rows
        try:
            self.accessed = True  # as SessionBase._get_session marks a load
            self._session_cache = self.load()
        finally:
            del self._ahead_rows

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:  # no key, or one refused as malformed
            self._session_key = None
            return None
        connection = connections[DEFAULT_DB_ALIAS]
        ahead = getattr(self, "_ahead_rows", None)
        if ahead is not None:
            found = _live_session(connection).from_rows(ahead)
        else:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            found = _live_session(connection).instances([self.session_key, now])
        if not found:
            self._session_key = None
            return None
        return found[0]
