"""`CounterDatabaseCache`: Django's database cache with an atomic ``incr``.

It is where the rate limits count when no Redis is configured. Django's own database cache
increments with a read and a separate write, so two processes counting the same key at once
both read n and both write n + 1: every limit leaks under concurrency. Here the read and the
write happen in one transaction that holds the row (``SELECT … FOR UPDATE`` on PostgreSQL;
on SQLite the IMMEDIATE transaction mode set in settings takes the write lock at BEGIN).
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now


class CounterDatabaseCache(DatabaseCache):
    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self.table_name = table

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self.table_name)
        cache_key, value, expires = (
            quote_name("cache_key"),
            quote_name("value"),
            quote_name("expires"),
        )
        now = tz_now().replace(microsecond=0)
        if not settings.USE_TZ:
            now = now.replace(tzinfo=None)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # Only quoted identifiers from the settings are formatted into the SQL (as Django's own
        # database cache does); values are parameters.
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{lock}",  # noqa: S608
                [key, connection.ops.adapt_datetimefield_value(now)],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            stored = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))  # noqa: S301 - written by this cache only
            counted = int(stored) + delta
            pickled = base64.b64encode(pickle.dumps(counted, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {value} = %s WHERE {cache_key} = %s",  # noqa: S608
                [pickled, key],
            )
        return counted

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self.incr(key, -delta, version)
