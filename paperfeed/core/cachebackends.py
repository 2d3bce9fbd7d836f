"""Where the rate limits count without Redis: `CounterDatabaseCache` in PostgreSQL (shared by
every host), `SQLiteFileCache` in a file of its own beside a SQLite site (one host). The same
file cache also shares members' page bodies between a host's processes (``bodies``, settings).
`ProcessCache`, the default per-process cache, decodes a kept body once per entry it stores.

`CounterDatabaseCache` is Django's database cache with an atomic ``add`` and ``incr``. Django's
own database cache increments with a read and a separate write, so two processes counting the
same key at once both read n and both write n + 1: every limit leaks under concurrency. Here:

- ``incr`` reads and writes in one transaction that holds the row (``SELECT … FOR UPDATE`` on
  PostgreSQL; on SQLite the IMMEDIATE transaction mode set in settings takes the write lock at
  BEGIN);
- ``add`` is one ``INSERT … ON CONFLICT DO UPDATE … WHERE expired`` statement, so of several
  processes adding one key exactly one wins, and it costs no ``COUNT(*)`` of the table (Django
  counts the whole table on every write to decide on culling). Expired rows are deleted by
  about one ``add`` in ``PURGE_EVERY`` instead.
"""

from __future__ import annotations

import base64
import os
import pickle
import random
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.timezone import now as tz_now

PURGE_EVERY = 1000


class CounterDatabaseCache(DatabaseCache):
    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self.table_name = table

    def _connection(self) -> BaseDatabaseWrapper:
        return connections[router.db_for_write(self.cache_model_class)]

    def _names(self, connection: BaseDatabaseWrapper) -> tuple[str, str, str, str]:
        quote_name = connection.ops.quote_name
        return (
            quote_name(self.table_name),
            quote_name("cache_key"),
            quote_name("value"),
            quote_name("expires"),
        )

    def _now(self, connection: BaseDatabaseWrapper) -> Any:
        now = tz_now().replace(microsecond=0)
        if not settings.USE_TZ:
            now = now.replace(tzinfo=None)
        return connection.ops.adapt_datetimefield_value(now)

    def _encode(self, value: Any) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    # Only quoted identifiers from the settings are formatted into the SQL below (as Django's
    # own database cache does); every value is a parameter.

    def add(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        if seconds is None:
            expires_at = datetime.max
        else:
            expires_at = datetime.fromtimestamp(seconds, tz=UTC if settings.USE_TZ else None)
        connection = self._connection()
        table, cache_key, stored, expires = self._names(connection)
        now = self._now(connection)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if random.random() < 1 / PURGE_EVERY:
                cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [now])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({cache_key}, {stored}, {expires}) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT ({cache_key}) DO UPDATE SET {stored} = EXCLUDED.{stored}, "
                f"{expires} = EXCLUDED.{expires} WHERE {table}.{expires} < %s",
                [
                    key,
                    self._encode(value),
                    connection.ops.adapt_datetimefield_value(expires_at.replace(microsecond=0)),
                    now,
                ],
            )
            return cursor.rowcount == 1

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        connection = self._connection()
        table, cache_key, stored, expires = self._names(connection)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {stored} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{lock}",  # noqa: S608
                [key, self._now(connection)],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            raw = connection.ops.process_clob(row[0])
            counted = int(pickle.loads(base64.b64decode(raw.encode()))) + delta  # noqa: S301 - written by this cache only
            cursor.execute(
                f"UPDATE {table} SET {stored} = %s WHERE {cache_key} = %s",  # noqa: S608
                [self._encode(counted), key],
            )
        return counted

    def decr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self.incr(key, -delta, version)


class SQLiteFileCache(BaseCache):
    """A cache in a small SQLite file of its own (LOCATION) that every process of one host
    shares: the rate-limit counters of a site on SQLite, and members' page bodies when the
    default cache is per process.

    Every process of the host counts in the same file, and each operation is one statement
    (``UPDATE … SET value = value + 1 … RETURNING``), so counts are exact. Being a separate
    file, its writes never wait for the catalogue's write lock: an import holding that lock
    does not stall the rate-limited reads of the API. Integers are stored as integers (so that
    ``incr`` is arithmetic in SQL); anything else is pickled.
    """

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.path = location
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        # One connection per thread, and a new one after a fork.
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS counters "
                "(key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL NOT NULL)"
            )
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def _expiry(self, timeout: float | None) -> float:
        seconds = self.get_backend_timeout(timeout)
        return float("inf") if seconds is None else float(seconds)

    @staticmethod
    def _encode(value: Any) -> Any:
        return value if type(value) is int else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def _decode(stored: Any) -> Any:
        return stored if isinstance(stored, int) else pickle.loads(stored)  # noqa: S301 - written by this cache only

    def add(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        db, now = self._db(), time.time()
        if random.random() < 1 / PURGE_EVERY:
            db.execute("DELETE FROM counters WHERE expires <= ?", [now])
        cursor = db.execute(
            "INSERT INTO counters (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) "
            "DO UPDATE SET value = excluded.value, expires = excluded.expires "
            "WHERE counters.expires <= ?",
            [key, self._encode(value), self._expiry(timeout), now],
        )
        return cursor.rowcount == 1

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute("SELECT value FROM counters WHERE key = ? AND expires > ?", [key, time.time()])
            .fetchone()
        )
        return default if row is None else self._decode(row[0])

    def set(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._db().execute(
            "INSERT OR REPLACE INTO counters (key, value, expires) VALUES (?, ?, ?)",
            [key, self._encode(value), self._expiry(timeout)],
        )

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        cursor = self._db().execute(
            "UPDATE counters SET expires = ? WHERE key = ? AND expires > ?",
            [self._expiry(timeout), key, time.time()],
        )
        return cursor.rowcount == 1

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute(
                "UPDATE counters SET value = value + ? "
                "WHERE key = ? AND expires > ? AND typeof(value) = 'integer' RETURNING value",
                [delta, key, time.time()],
            )
            .fetchone()
        )
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return int(row[0])

    def decr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self.incr(key, -delta, version)

    def delete(self, key: Any, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._db().execute("DELETE FROM counters WHERE key = ?", [key]).rowcount == 1

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self.get(key, _MISSING, version) is not _MISSING

    def clear(self) -> None:
        self._db().execute("DELETE FROM counters")

    def rows(self) -> int:
        """How many rows the file holds, expired ones included."""
        return int(self._db().execute("SELECT COUNT(*) FROM counters").fetchone()[0])


_MISSING = object()


# The decoded values of each ProcessCache by name, as LocMemCache keeps its entries by name:
# every thread's instance of one cache (Django makes one per thread) serves and forgets them.
_decoded_by_name: dict[str, dict[str, tuple[bytes, Any]]] = {}


class ProcessCache(LocMemCache):
    """Django's per-process cache, which stores each value pickled and unpickles it on every
    ``get`` (so a caller may change what it got), plus ``get_shared``: the value decoded once per
    entry, the same object for every caller, who must not change it. A member's kept body (a
    list of 60-160 KB of bytes) was unpickled on each request that filled it, 2.5 % of a worker's
    samples (docs/performance.md, "Fifteenth pass (S83)").

    The decoded value stays true by construction: it is kept with the pickled bytes it came from
    and served only while the cache still holds those very bytes. Every write of the key (a
    rebuild here, a copy another process renewed taken from the shared file, a delete, an
    expiry) stores new bytes or none, so the next ``get_shared`` decodes again. Nothing else
    writes a per-process cache, which is why only this backend offers it: a shared cache
    (database, Redis) is ``get`` as before (core/caching.py).

    A decoded value leaves with its entry, under the cache's lock: when the key is set, deleted,
    expires or is culled (LocMemCache's cull: the least recently read third, when full), so the
    decoded values are at most one per entry the cache holds, and a body read often stays
    decoded as long as the cache keeps it (S89: they used to be dropped all at once whenever
    their count reached the cache's maximum, culled entries' included)."""

    # LocMemCache's own state and helpers, which django-stubs leaves out.
    _cache: OrderedDict[str, bytes]
    _lock: threading.Lock
    _has_expired: Callable[[str], bool]

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        # key -> (the pickled bytes, their value); only keys the cache holds.
        self._decoded = _decoded_by_name.setdefault(name, {})

    def get_shared(self, key: Any, default: Any = None, version: Any = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            pickled = self._cache[key]
            self._cache.move_to_end(key, last=False)
            seen = self._decoded.get(key)
        if seen is not None and seen[0] is pickled:
            return seen[1]
        value = pickle.loads(pickled)  # noqa: S301 - this process's own cache
        with self._lock:
            if self._cache.get(key) is pickled:  # not written, deleted or culled meanwhile
                self._decoded[key] = (pickled, value)
        return value

    # The three ways an entry leaves or changes, each called with the lock held.

    def _set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None:
        super()._set(key, value, timeout)  # type: ignore[misc]
        self._decoded.pop(key, None)

    def _delete(self, key: str) -> bool:
        self._decoded.pop(key, None)
        return bool(super()._delete(key))  # type: ignore[misc]

    def _cull(self) -> None:
        super()._cull()  # type: ignore[misc]
        for key in [key for key in self._decoded if key not in self._cache]:
            del self._decoded[key]

    def clear(self) -> None:
        super().clear()
        with self._lock:
            self._decoded.clear()
