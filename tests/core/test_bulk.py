from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperfeed.core import bulk
from paperfeed.papers.models import Author

TABLE = Author._meta.db_table
COLUMNS = ("name", "key")
TYPES = ["varchar", "varchar"]


def _rows(count: int, first: int = 0) -> list[tuple[str, str]]:
    return [(f"Author {n}", f"author {n}") for n in range(first, first + count)]


@pytest.mark.django_db
def test_insert_rows_stores_every_row_in_the_order_given_across_statements():
    rows = _rows(bulk._SQLITE_ROWS * 2 + 345)  # two full statements and a short one on SQLite
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        bulk.insert_rows(cursor, table=TABLE, columns=COLUMNS, pg_types=TYPES, rows=rows)
    stored = list(Author.objects.order_by("id").values_list("name", "key"))
    assert stored == rows  # ids follow the input order, as one row per execution gave them
    if connection.vendor == "sqlite":
        inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        # 2,000 + 2,000, then the 345 left as 256 + 64 + 16 + 8 + 1: not one row per execution.
        assert len(inserts) == 7


@pytest.mark.django_db
def test_insert_rows_on_conflict_skips_the_stored_rows_in_every_statement():
    stored_before = _rows(3, first=bulk._SQLITE_ROWS - 1)  # one in the first statement, two after
    Author.objects.bulk_create([Author(name=name, key=key) for name, key in stored_before])
    Author.objects.filter(key=stored_before[0][1]).update(name="kept as stored")
    rows = _rows(bulk._SQLITE_ROWS + 10)
    with connection.cursor() as cursor:
        bulk.insert_rows(
            cursor,
            table=TABLE,
            columns=COLUMNS,
            pg_types=TYPES,
            rows=rows,
            on_conflict="(key) DO NOTHING",
        )
    assert Author.objects.count() == len(rows)
    assert Author.objects.get(key=stored_before[0][1]).name == "kept as stored"


@pytest.mark.django_db
def test_a_sqlite_statement_never_carries_more_parameters_than_the_library_allows():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's bound-parameter limit")
    import sqlite3

    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    for columns in (1, 3, 24, limit, limit + 1):
        per_statement = bulk._sqlite_rows_per_statement(columns)
        assert 1 <= per_statement <= bulk._SQLITE_ROWS
        assert per_statement * columns <= limit or per_statement == 1


@pytest.mark.parametrize("most", [1, 3, 1365, 2000])
def test_statement_sizes_cover_every_row_with_few_distinct_statements(most):
    sizes_seen: set[int] = set()
    for count in range(0, 3 * most + 50, max(1, most // 97)):
        sizes = list(bulk.statement_sizes(count, most))
        assert sum(sizes) == count
        assert all(0 < size <= most for size in sizes)
        assert sizes == sorted(sizes, reverse=True)
        sizes_seen.update(sizes)
    # Whatever the batches' lengths, a bounded set of statements: the full one and powers of two.
    assert len(sizes_seen) <= 1 + most.bit_length()
