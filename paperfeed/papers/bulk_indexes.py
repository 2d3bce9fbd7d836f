"""The catalogue's secondary indexes, set aside while a first load fills it and built once after.

A large import into an (almost) empty catalogue, the first load of the bulk snapshot that every
new site makes, otherwise maintains every secondary index of the paper and link tables row by
row; building each once from the finished table (one sort) is cheaper in all (docs/performance.md,
S78; the decision and its threshold in docs/architecture.md, "The importer").

Only indexes that no uniqueness and no statement of the importer rest on are set aside: the
non-unique indexes the models declare on ``Paper``, ``PaperAuthor`` and ``PaperCategory``
(``Meta.indexes`` and the plain index of a ``db_index`` field). Primary keys and unique
constraints (``arxiv_id``, the author ``key``, each paper's link positions and categories)
stay, so the upsert's look-ups and its ``ON CONFLICT`` work as always; a reader during the load
gets the same answers by scanning, more slowly. The definitions come from the models, so an
index built again is the one the migrations made; one that is missing is built on the next
import's start and after ``migrate`` (an import killed half-way leaves them missing).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import connection, models, transaction

from paperfeed.papers.models import Paper

# Whose indexes a first load sets aside, by database. On SQLite only the link tables': building
# a paper index again scans the wide rows (abstracts inline) once per index, which cost more
# than keeping those nine, whose keys mostly grow at one end; a link's ``author_id`` entry lands
# anywhere (docs/performance.md, S78).
_MODELS = {
    "sqlite": ("PaperAuthor", "PaperCategory"),
    "postgresql": ("Paper", "PaperAuthor", "PaperCategory"),
}
# A first load: a batch of at least this many records (an import's first batch, full) into a
# catalogue of no more papers than the batch brings. Building an index once costs about what
# maintaining it costs for as many rows as the table will hold, while per-row maintenance is
# paid only for the rows imported (measured: S78), so it pays when the import is at least as
# large as the catalogue it goes into; a catalogue this small has no readers to slow down.
FIRST_LOAD_RECORDS = 1000


def deferrable(apps: Apps = global_apps) -> Iterator[tuple[type[models.Model], str, str]]:
    """(model, index name, its CREATE INDEX statement) for each index a first load sets aside.

    ``apps``: the models as a migration state has them (post_migrate), or the current ones.
    """
    editor: Any = connection.schema_editor()
    for name in _MODELS.get(connection.vendor, ()):
        model = apps.get_model("papers", name)
        for index in model._meta.indexes:
            yield model, index.name, str(index.create_sql(model, editor))
        for field in model._meta.local_concrete_fields:
            if field.db_index and not field.unique and not field.primary_key:
                # The plain index Django's schema editor makes for such a field, by its name.
                statement = editor._create_index_sql(model, fields=[field])
                index_name = editor._create_index_name(model._meta.db_table, [field.column])
                yield model, index_name, str(statement)


def _present(tables: set[str]) -> set[str]:
    with connection.cursor() as cursor:
        return {
            name
            for table in tables
            for name in connection.introspection.get_constraints(cursor, table)
        }


def papers_at_most(count: int) -> bool:
    """Whether the catalogue holds at most ``count`` papers (reads no more than that many ids)."""
    beyond = Paper.objects.order_by("id").values_list("id", flat=True)[count : count + 1]
    return not list(beyond)


def drop() -> list[str]:
    """Drop the deferrable indexes that exist, each at once (committed unless the caller holds a
    transaction); their names."""
    wanted = list(deferrable())
    present = _present({model._meta.db_table for model, _, _ in wanted})
    dropped = []
    with transaction.atomic(), connection.cursor() as cursor:
        for _, name, _ in wanted:
            if name in present:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                dropped.append(name)
    return dropped


def restore(apps: Apps = global_apps) -> list[str]:
    """Build the deferrable indexes that are missing, one transaction each (on SQLite each
    holds the write lock while it sorts); their names.

    On PostgreSQL two at a time, on two connections, outside a caller's transaction: at the end
    of a first load nothing else is left to do and the builds took one core while the other
    idled (11 indexes of a 40 k import, 0.47-0.78 of the wall time one after the other; S80).
    Building indexes of one table together is allowed: each takes a ``SHARE`` lock, which
    another build's does not conflict with. Inside a caller's transaction, one after the other:
    a second connection would wait for the locks that transaction holds, and it for the build.
    """
    wanted = list(deferrable(apps))
    present = _present({model._meta.db_table for model, _, _ in wanted})
    missing = [sql for _, name, sql in wanted if name not in present]
    if connection.vendor == "postgresql" and not connection.in_atomic_block and len(missing) > 1:
        _build_two_at_a_time(missing)
    else:
        for sql in missing:
            _build(sql)
    return [name for _, name, _ in wanted if name not in present]


def _build(sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def _build_two_at_a_time(statements: list[str]) -> None:
    """Run ``statements`` on this connection and on a second one, in a thread, each taking the
    next from one queue: the link tables' first (the largest), so that they end together. The
    first error is raised once both have stopped; the thread's connection is closed."""
    pending = iter(reversed(statements))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(own_connection: bool) -> None:
        try:
            while not errors:
                with lock:
                    sql = next(pending, None)
                if sql is None:
                    return
                _build(sql)
        except BaseException as exc:  # Ctrl+C in the main thread too: raised after the join
            errors.append(exc)
        finally:
            if own_connection:
                connection.close()  # this thread's own, which Django opened for it

    helper = threading.Thread(target=work, args=(True,), name="paperfeed-index-build")
    helper.start()
    work(False)
    helper.join()
    if errors:
        raise errors[0]
