"""Bulk row writes that are fast on both databases.

SQLite runs multi-row ``INSERT``s in-process (up to 2,000 rows a statement). On PostgreSQL
``executemany`` still means one statement per row on the server, and a batch sent as one array
per column (``unnest``) is quoted into the SQL text in Python by the client cursor (about 40 µs a
row on the import path). There the rows travel with ``COPY`` instead, which psycopg encodes in C:
straight into the table when nothing can conflict, else into a temporary table that one
``INSERT ... SELECT`` (or ``UPDATE ... FROM``) then reads (:func:`staged`). Rows whose columns'
types are given go in PostgreSQL's binary format: numbers, times and dates as the server stores
them, so neither side prints or parses them as text (:func:`copy_rows`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

# The temporary table a staged write fills (one at a time per connection), and its name
# qualified so that dropping it can never reach a real table.
STAGE = "paperfeed_stage"
_STAGE_QUALIFIED = f"pg_temp.{STAGE}"


def copy_rows(
    cursor: Any,
    *,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    pg_types: Sequence[str] | None = None,
) -> None:
    """PostgreSQL only: ``COPY`` ``rows`` into ``table``. ``rows`` may be a generator: it is
    read while the COPY streams, so the server stores the first rows while the caller makes
    the next instead of waiting for all of them.

    With ``pg_types`` (each column's type as the table declares it, without a length:
    "bigint", "varchar", "jsonb", "timestamp with time zone") in the binary format, each value
    a Python value of its column's type: JSON as the Python object (psycopg writes its text
    behind jsonb's version byte), dates as ``date``, times as aware ``datetime``. A type that is
    not the column's is refused by the server (a 4-byte integer is not an 8-byte one), not
    stored differently. Without, as text, which the server parses into each column's type.

    Binary, because psycopg then dumps each value with the dumper of its column's type, fixed
    for the whole COPY, instead of choosing one per value by its Python type and printing
    numbers and times as text: the rows of a 40 k import cost the importer 0.6-0.8 s of CPU
    instead of 1.4-2.0 s, the server the same (docs/performance.md, S80).
    """
    raw = getattr(cursor, "cursor", cursor)  # Django's wrapper holds psycopg's cursor
    binary = " (FORMAT BINARY)" if pg_types is not None else ""
    if pg_types is not None and "jsonb" in pg_types:
        _jsonb_by_orjson(raw)
    # Django's exceptions, as its cursor would raise them (an IntegrityError, not psycopg's).
    with (
        connection.wrap_database_errors,
        raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{binary}") as copy,
    ):
        if pg_types is not None:
            copy.set_types(list(pg_types))
        for row in rows:
            copy.write_row(row)


def _jsonb_by_orjson(raw: Any) -> None:
    """This cursor's jsonb values printed by orjson instead of ``json.dumps`` (~10 µs a paper's
    two JSON columns at 40 k records, 0.3 s of the importer's CPU; orjson ~0.5 µs). The server
    parses the text into jsonb, which keeps no spacing, escapes nor key order, so the stored
    values are the same; only jsonb: a json column would keep the text as printed."""
    import orjson
    from psycopg.types.json import set_json_dumps

    set_json_dumps(orjson.dumps, raw)


@contextmanager
def staged(
    cursor: Any,
    *,
    columns: Sequence[str],
    pg_types: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> Iterator[str]:
    """PostgreSQL only: ``rows`` copied into a temporary table of these column types, in the
    binary format (:func:`copy_rows`); yields its name.

    Dropped first (a failed write outside a transaction may have left it) and after use.
    """
    definition = ", ".join(
        f"{name} {pg_type}" for name, pg_type in zip(columns, pg_types, strict=True)
    )
    cursor.execute(
        f"DROP TABLE IF EXISTS {_STAGE_QUALIFIED}; CREATE TEMPORARY TABLE {STAGE} ({definition})"
    )
    copy_rows(cursor, table=_STAGE_QUALIFIED, columns=columns, rows=rows, pg_types=pg_types)
    yield _STAGE_QUALIFIED
    cursor.execute(f"DROP TABLE {_STAGE_QUALIFIED}")


def marks(count: int) -> str:
    """``count`` parameter marks, comma-separated, for a statement run with :func:`execute`."""
    return ",".join([_MARK[connection.vendor == "sqlite"]] * count)


_MARK = ("%s", "?")


def execute(cursor: Any, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql``, whose parameters are :func:`marks`, on ``cursor``; read results from it.

    On SQLite the statement goes to the driver's cursor with SQLite's own "?" marks. Django's
    cursor would first rewrite each "%s" into "?" with a regular expression, ~2 µs a mark: for
    the import's statements of thousands of marks (multi-row INSERTs, IN lists) as much CPU as
    SQLite takes to run some of them (docs/performance.md, S74). Where Django logs queries
    (DEBUG, tests counting them) it gets them in its own form, to log them as usual.
    """
    if connection.vendor != "sqlite":
        cursor.execute(sql, params)
    elif connection.queries_logged:
        cursor.execute(sql.replace("?", "%s"), params)  # the statements here hold no other "?"
    else:
        connection.validate_no_broken_transaction()  # as Django's cursor checks first
        with connection.wrap_database_errors:
            sqlite3.Cursor.execute(cursor.cursor, sql, params)


def new_ids(cursor: Any, *, table: str, count: int) -> list[int]:
    """PostgreSQL only: ``count`` ids drawn from ``table``'s ``id`` sequence, as its column
    default would draw them one per row, so that new rows go in by plain ``COPY`` with their
    ids already known (no reading them back, no ``INSERT ... RETURNING`` through a stage)."""
    # The sequence looked up once: called per row, pg_get_serial_sequence cost 6x the nextval.
    cursor.execute(
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) "
        "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def insert_rows(
    cursor: Any,
    *,
    table: str,
    columns: Sequence[str],
    pg_types: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_conflict: str = "",
) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order); ``on_conflict`` e.g. "(key) DO NOTHING".
    A generator of rows streams into PostgreSQL's plain ``COPY`` (:func:`copy_rows`)."""
    if isinstance(rows, Sequence) and not rows:
        return
    if connection.vendor == "postgresql" and not on_conflict:
        copy_rows(cursor, table=table, columns=columns, rows=rows, pg_types=pg_types)
        return
    rows = rows if isinstance(rows, Sequence) else list(rows)
    if not rows:
        return
    names = ", ".join(columns)
    conflict = f" ON CONFLICT {on_conflict}" if on_conflict else ""
    if connection.vendor == "postgresql":
        with staged(cursor, columns=columns, pg_types=pg_types, rows=rows) as stage:
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage}{conflict}")
    else:
        # Many rows per statement rather than ``executemany``'s one execution per row: each
        # execution of an INSERT also reads and rewrites the AUTOINCREMENT counter and pays
        # SQLite's per-statement set-up. 167 k author links: 0.64-0.82 s of CPU against
        # 1.04-1.33 s (docs/performance.md, S74). The rows go in in the order given, as before.
        row_marks = f"({marks(len(columns))})"
        start = 0
        for size in statement_sizes(len(rows), _sqlite_rows_per_statement(len(columns))):
            chunk, start = rows[start : start + size], start + size
            execute(
                cursor,
                f"INSERT INTO {table} ({names}) VALUES {', '.join([row_marks] * len(chunk))}"
                f"{conflict}",
                [value for row in chunk for value in row],
            )


# Rows in one multi-row INSERT on SQLite: past ~2,000 a statement saves nothing more (its SQL
# text and compiled program only grow), and SQLite's bound-parameter limit caps it.
_SQLITE_ROWS = 2000


def statement_sizes(count: int, most: int) -> Iterator[int]:
    """How many of ``count`` rows each statement carries: ``most`` while that many are left,
    then the rest as powers of two (largest first). The driver keeps each distinct statement
    it compiled, with copies of the values last bound to it (abstracts included), in a cache of
    128: as few distinct sizes as this keep a long import's memory flat, where a remainder of
    any size made a new one per batch (+60 MB of peak memory over a 40 k import)."""
    full, rest = divmod(count, most)
    yield from [most] * full
    size = 1 << rest.bit_length()
    while rest:
        size >>= 1
        if rest & size:
            yield size
            rest -= size


def _sqlite_rows_per_statement(columns: int) -> int:
    """How many rows of ``columns`` values one SQLite statement may carry: this library's
    limit on bound parameters (32,766 by default since SQLite 3.32; a build may set less)."""
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(_SQLITE_ROWS, limit // columns))


def update_rows(
    cursor: Any,
    *,
    table: str,
    key: str,
    columns: Sequence[str],
    pg_types: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """UPDATE ``columns`` of the rows whose ``key`` is the last value of each row tuple."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        assignments = ", ".join(f"{name} = t.{name}" for name in columns)
        with staged(
            cursor, columns=[*columns, key], pg_types=[*pg_types, "bigint"], rows=rows
        ) as stage:
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {stage} AS t WHERE {table}.{key} = t.{key}"
            )
    else:
        assignments = ", ".join(f"{name} = %s" for name in columns)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s", rows)
