"""ORM queries compiled to SQL once and then run with each call's values as plain SQL.

For the few reads on every member's page (their state on the page's cards, the paper page's
version) Django spent more CPU building and compiling the query than the database spent
answering it. The query is built once with *sentinel* values (numbers or strings nothing real
uses) where the call's values go; each parameter of the compiled SQL is then either one of
those values or a constant of the query. Rows come back as the driver gives them (no field
converters): for counts, flags and digests. :func:`compile_instances` does the same for a query
of one model's rows and builds each instance through the ORM's own converters and
``Model.from_db``, as a queryset would (the signed-in member's row on every request).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

# Ids to build a query with where a call's ids go: negative, so no row has them, and within
# 32 bits, because on PostgreSQL the ORM turns a value an integer column cannot hold into no
# query at all (EmptyResultSet) and the sentinel would not be compiled in.
ID_SENTINELS = (-2_083_104_615, -2_083_104_616, -2_083_104_617)


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    # For each parameter: (index of the call's value, None), or (-1, the query's constant).
    plan: tuple[tuple[int, Any], ...]
    # How many columns a row has (None: not known; such a query cannot run in rows_together).
    width: int | None = None

    def params(self, values: Sequence[Any]) -> list[Any]:
        return [values[i] if i >= 0 else constant for i, constant in self.plan]

    def rows(self, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        with prepared_cursor(connections[DEFAULT_DB_ALIAS]) as cursor:
            cursor.execute(self.sql, self.params(values))
            return cursor.fetchall()


def rows_together(
    queries: Sequence[tuple[Compiled, Sequence[Any]]],
) -> list[list[tuple[Any, ...]]]:
    """Each compiled query's rows (with its values), read in one statement on PostgreSQL: one
    round trip.

    A signed-in reader's page asks a few small reads (their row, their state on the page's
    papers, their collections, …); on PostgreSQL each statement costs the worker ~0.45 ms of
    CPU (the driver, the round trip, the switch to the backend and back) whatever it reads. The
    reads run as one ``UNION ALL``, each in columns of its own (NULL in the others) behind the
    number of its query; on PostgreSQL, for three queries or more, a first, empty part gives
    every column its type (a column NULL in the first two parts would otherwise be taken for
    text and refused)."""
    if len(queries) == 1 or connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        # SQLite answers in the worker's own process: no round trip to save, and one statement
        # per read cost it less CPU than their union (0.26-0.47 against 0.41-0.69 ms for the
        # member and a list's card state at 1 M).
        return [query.rows(values) for query, values in queries]
    widths = [query.width for query, _ in queries]
    if any(width is None for width in widths):
        raise ValueError("rows_together needs each query's width")
    # The same text object for the same queries: psycopg's own conversion is not cached for
    # statements this long, the prepared cursor's (numbered) is, keyed on this text.
    sql = _together(tuple(query.sql for query, _ in queries), tuple(w or 0 for w in widths))
    params = [param for query, values in queries for param in query.params(values)]
    found: list[list[tuple[Any, ...]]] = [[] for _ in queries]
    starts = [1 + sum(widths[:n]) for n in range(len(queries))]  # type: ignore[arg-type]
    with prepared_cursor(connections[DEFAULT_DB_ALIAS]) as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            n = int(row[0])
            found[n].append(tuple(row[starts[n] : starts[n] + widths[n]]))  # type: ignore[operator]
    return found


@lru_cache(maxsize=256)
def _together(queries: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """The one statement of rows_together for the queries' SQL (its values follow, query by
    query), made once per set of queries."""
    names = [f"pf_q{n}" for n in range(len(queries))]
    total = sum(widths)
    common = ", ".join(f"{name} AS ({query})" for name, query in zip(names, queries, strict=True))
    parts = []
    if len(queries) > 2:
        # PostgreSQL types a set operation's columns two parts at a time: with two parts each
        # column is typed by the one that fills it; with more, the typing part comes first.
        columns = ", ".join(f"{name}.*" for name in names)
        # Names and numbers of ours only: the queries' values are parameters.
        parts.append(f"SELECT NULL, {columns} FROM {', '.join(names)} WHERE FALSE")  # noqa: S608
    before = 0
    for n, (name, width) in enumerate(zip(names, widths, strict=True)):
        padding = [*["NULL"] * before, f"{name}.*", *["NULL"] * (total - before - width)]
        parts.append(f"SELECT {n}, {', '.join(padding)} FROM {name}")  # noqa: S608
        before += width
    return f"WITH {common} " + " UNION ALL ".join(parts)


def prepared_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor for a compiled query: on PostgreSQL (unless PAPERFEED_PG_PREPARED is off) one
    that runs it as a prepared statement of the connection, else the connection's own.

    These queries run on every member's request, and PostgreSQL spent more CPU parsing and
    planning them than running them (the card state's 30-50 ids: ~0.6 ms of the server's CPU a
    request, ~0.19 ms prepared). Django keeps psycopg from preparing anything (its cursors bind
    values on the client, for connection poolers): the few compiled queries are prepared here
    alone, each once per connection (psycopg keeps the connection's last 100). The cursor is
    wrapped as Django wraps its own, so errors and transactions are the same. While Django logs
    queries (DEBUG, a test counting them) the connection's own cursor runs them: Django's log
    reads the SQL from it, and a prepared execution leaves none there."""
    if (
        connection.vendor != "postgresql"
        or not settings.PAPERFEED_PG_PREPARED
        or connection.queries_logged
    ):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _prepared_cursor_class()(connection.connection)
    connection.validate_thread_sharing()
    return connection.make_cursor(raw)


@lru_cache(maxsize=1)
def _prepared_cursor_class() -> type:
    """A server-binding psycopg cursor with Django's cursor methods, each statement prepared and
    sent as numbered (imported on first use: psycopg is there only for PostgreSQL).

    psycopg turns a statement's ``%s`` into ``$1, $2, …`` on every execute, remembering the
    result only for statements under 4 KB of at most 50 values; a member's statement
    (:func:`rows_together`) is longer (5.3 KB on a paper page), and the conversion cost ~7 % of
    a filled page (docs/performance.md, "Twelfth pass"). Here each statement is numbered once
    per process (:func:`numbered`) and sent through psycopg's raw cursor, which takes ``$n``
    as written."""
    import psycopg
    from django.db.backends.postgresql import base

    class PreparedCursor(base.CursorMixin, psycopg.RawCursor):  # type: ignore[misc,name-defined,unused-ignore]
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            if self.connection.prepare_threshold is None:
                # Django turns psycopg's preparing off (None), which refuses even an explicit
                # prepare=True; a threshold never reached prepares only what asks. Django's own
                # cursors bind on the client and never prepare, whatever it is.
                self.connection.prepare_threshold = sys.maxsize
            return super().execute(numbered(query), params, prepare=True, **kwargs)

    return PreparedCursor


_PLACEHOLDER = re.compile(r"%(.|$)", re.DOTALL)


@lru_cache(maxsize=512)
def numbered(sql: str) -> bytes:
    """``sql`` with the ``%s`` placeholders Django writes as PostgreSQL's ``$1, $2, …`` and its
    ``%%`` as ``%``, encoded: what psycopg makes of it and sends (the compiled queries' text
    objects live as long as the process, so the lookup hashes each text once)."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        if match.group(1) != "s":
            raise ValueError(f"only %s placeholders can be numbered: {sql[:200]}")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql).encode()


def compile_query(queryset: QuerySet, sentinels: Sequence[Hashable]) -> Compiled:
    """``queryset`` (built with ``sentinels`` where a call's values go) as SQL for the default
    database. Raises RuntimeError when a sentinel is not among the parameters as given (the ORM
    changed it), so a query is never run with a value of the build in place of the caller's."""
    compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    return _planned(sql, params, sentinels, width=len(compiler.select) or None)


def _planned(
    sql: str, params: Sequence[Any], sentinels: Sequence[Hashable], *, width: int | None = None
) -> Compiled:
    where = {sentinel: i for i, sentinel in enumerate(sentinels)}
    if len(where) != len(sentinels):
        raise ValueError("sentinels must differ")
    plan = []
    for param in params:
        try:
            index = where.get(param, -1)
        except TypeError:  # unhashable: a constant
            index = -1
        plan.append((index, None) if index >= 0 else (-1, param))
    if {index for index, _ in plan if index >= 0} != set(range(len(sentinels))):
        raise RuntimeError(f"a sentinel is missing from the compiled query: {sql[:200]}")
    return Compiled(sql, tuple(plan), width)


@dataclass(frozen=True, slots=True)
class CompiledInstances:
    query: Compiled
    model: type[Model]
    attnames: tuple[str, ...]
    # (position in the row, the column's converters, its expression), as the ORM applies them.
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]

    def instances(self, values: Sequence[Any]) -> list[Any]:
        return self.from_rows(self.query.rows(values))

    def from_rows(self, rows: Iterable[Sequence[Any]]) -> list[Any]:
        """The instances of rows this query read (with :func:`rows_together`, say)."""
        connection = connections[DEFAULT_DB_ALIAS]
        return [
            instance_from_row(self.model, self.attnames, self.converters, row, connection)
            for row in rows
        ]


def instance_from_row(
    model: type[Model],
    attnames: Sequence[str],
    converters: Iterable[tuple[int, Sequence[Any], Any]],
    row: Sequence[Any],
    connection: BaseDatabaseWrapper,
) -> Any:
    """``model`` built from one row of plain SQL as a queryset builds it: each
    (position, converters, expression) applied as the ORM's compiler applies them (JSON,
    SQLite's dates), then ``Model.from_db``'s instance (see :func:`_plain_instance`)."""
    fields = list(row)
    for pos, convs, expression in converters:
        value = fields[pos]
        for converter in convs:
            value = converter(value, expression, connection)
        fields[pos] = value
    if _plain(model):
        return _plain_instance(model, attnames, fields, connection.alias)
    return model.from_db(connection.alias, attnames, fields)


def _plain(model: type[Model]) -> bool:
    """Whether ``model`` is built by Django's own ``from_db`` and ``__init__`` with nothing
    listening to its construction (no pre_init / post_init receiver, such as a
    GenericForeignKey's), so :func:`_plain_instance` builds the same instance."""
    return (
        _django_built(model)
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


@lru_cache(maxsize=64)
def _django_built(model: type[Model]) -> bool:
    return (
        getattr(model.from_db, "__func__", None) is Model.from_db.__func__  # type: ignore[attr-defined]
        and type(model).__call__ is type.__call__
        and model.__init__ is Model.__init__
    )


def _plain_instance(model: type[Model], attnames: Sequence[str], values: list[Any], db: str) -> Any:
    """What ``Model.from_db`` returns, without ``Model.__init__``'s walk over every field (its
    arguments, defaults and deferred markers): the loaded values set as ``__init__`` sets them,
    the fields not loaded left deferred (read on access, as ``.only()`` leaves them). A search
    page builds twenty papers of 29 fields each, and __init__ cost more CPU than the query."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = db
    return instance


def compile_instances(queryset: QuerySet, sentinels: Sequence[Hashable]) -> CompiledInstances:
    """A queryset of plain model rows (no annotations, no select_related, no deferred fields),
    built with ``sentinels`` where a call's values go, compiled once for the default database;
    :meth:`CompiledInstances.instances` runs it and returns the model instances the queryset
    would have."""
    query = queryset.query
    if query.annotations or query.select_related or query.deferred_loading[0]:
        raise ValueError("compile_instances takes a queryset of plain rows only")
    compiler = query.get_compiler(DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    columns = [expression for expression, _sql, _alias in compiler.select]
    concrete = [field.attname for field in queryset.model._meta.concrete_fields]
    attnames = tuple(column.target.attname for column in columns)
    if list(attnames) != concrete:
        raise RuntimeError(f"the compiled query does not select the model's fields: {sql[:200]}")
    converters = tuple(
        (pos, tuple(convs), expression)
        for pos, (convs, expression) in compiler.get_converters(columns).items()
    )
    query_sql = _planned(sql, params, sentinels, width=len(attnames))
    return CompiledInstances(query_sql, queryset.model, attnames, converters)
