"""The session engine: Django's database sessions, with the session row read by a query
compiled once per connection (core/compiled.py).

Every signed-in request reads its session first. ``Session.objects.get(session_key=...,
expire_date__gt=now)`` cost the ORM more CPU to build than the database to answer. The same
query (the same SQL, the key and the current time as the ORM adapts them) runs here, and the
same rules follow: an expired or deleted session is no session, at the next request.
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
    def _get_session_from_db(self) -> Any:
        if self.session_key is None:  # no key, or one refused as malformed
            self._session_key = None
            return None
        connection = connections[DEFAULT_DB_ALIAS]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = _live_session(connection).instances([self.session_key, now])
        if not found:
            self._session_key = None
            return None
        return found[0]
