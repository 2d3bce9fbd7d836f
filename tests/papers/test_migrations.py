from __future__ import annotations

import importlib
from datetime import UTC, date, datetime

import pytest
from django.apps import apps

from paperfeed.papers.models import Featured, Paper

pytestmark = pytest.mark.django_db


def test_0010_dates_existing_stubs_by_their_first_featured_day():
    migration = importlib.import_module("paperfeed.papers.migrations.0010_paper_abstract_source")
    month = datetime(2026, 8, 1, tzinfo=UTC)  # the id's month: what stubs used to hold
    stub = Paper.objects.create(
        arxiv_id="2608.01234",
        title="Stub",
        published=month,
        updated=month,
        published_is_estimate=True,
    )
    listed = Paper.objects.create(
        arxiv_id="2608.01235",
        title="Listed",
        published=month,
        updated=month,
        published_is_estimate=True,
        listed_on=date(2026, 8, 1),
    )
    for paper in (stub, listed):
        Featured.objects.create(paper=paper, day=date(2026, 8, 25), source="hf_daily")
        Featured.objects.create(paper=paper, day=date(2026, 8, 22), source="hf_daily")
    migration.stubs_dated_by_featured_day(apps, None)
    stub.refresh_from_db()
    listed.refresh_from_db()
    assert stub.published == datetime(2026, 8, 22, tzinfo=UTC)
    assert stub.updated == stub.published and stub.is_stub
    assert listed.published == month


def _plan(sql: str, params: list) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        # Small test tables: without this the planner reads them whole and proves nothing.
        cursor.execute("SET LOCAL enable_seqscan = off")
        # And the order an index gives wins over a sort: on empty tables the two cost alike, and
        # which of them the planner picks then changed with the tables' history (autovacuum).
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_0019_no_pattern_indexes_and_the_reads_of_those_columns_use_the_plain_ones():
    from django.db import connection

    from paperfeed.papers.models import Author

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no varchar_pattern_ops indexes")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('papers_paper', 'papers_author')"
            " AND indexdef LIKE '%%pattern_ops%%'"
        )
        assert cursor.fetchall() == []
    Author.objects.create(name="Ada Lovelace", key="ada lovelace")
    # The reads the code makes of these columns: by key (importer, pages) and by category.
    reads = [
        Paper.objects.filter(arxiv_id__in=["2501.00001", "2501.00002"]),
        Paper.objects.filter(arxiv_id="2501.00001"),
        Paper.objects.filter(primary_category="cs.CL"),
        Author.objects.filter(key__in=["ada lovelace"]),
    ]
    for query in reads:
        sql, params = query.query.sql_with_params()
        plan = _plan(sql, list(params))
        assert "Index" in plan and "Seq Scan" not in plan, plan


def test_0021_a_cards_authors_and_categories_are_read_from_their_unique_indexes_alone():
    from django.db import IntegrityError, connection, transaction

    from paperfeed.papers.models import PaperAuthor
    from paperfeed.papers.row_selectors import papers_by_ids
    from tests.factories import catalogue_paper

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no INCLUDE columns")
    paper = catalogue_paper("2501.00001", authors=("Ada Lovelace", "Alan Turing"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    # What the search page's rows read (row_statement._PG_FACTS): the index holds all of it.
    # The (category, paper) index gives category order too and, on a near-empty table, costs
    # what the unique index does; one CI run planned on it. It serves no card read, so it goes
    # for this test (the test's transaction rolls the drop back) and the plan is the same every
    # run: with sorts off, only the unique index can give each order.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX papercategory_by_cat")
    for table, columns, order, index in (
        ("papers_paperauthor", "name, author_id, position", "position", "paperauthor_position"),
        ("papers_papercategory", "category, position", "category", "papercategory_unique"),
    ):
        plan = _plan(
            f"SELECT {columns} FROM {table} WHERE paper_id = %s ORDER BY {order}", [paper.pk]
        )
        assert f"Index Only Scan using {index}" in plan, plan
    (row,) = papers_by_ids(ids=[paper.pk])
    assert row.authors == ["Ada Lovelace", "Alan Turing"] and row.categories == ["cs.CL"]
    # Still the unique constraints they were.
    link = PaperAuthor.objects.filter(paper=paper).first()
    assert link is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperAuthor.objects.create(
            paper=paper, author_id=link.author_id, position=link.position, name="Again"
        )


def test_0022_no_index_of_published_alone_and_its_reads_use_paper_newest():
    """Every read that ranges over or orders by ``published`` (the trending window, the API's
    pages, the year filters, the admin's dates) plans on ``paper_newest``, which holds the same
    entries as the single-column index it replaced."""
    from datetime import timedelta

    from django.db import connection
    from django.db.models import Q

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "papers_paper")
    alone = [
        name for name, info in indexes.items() if info["index"] and info["columns"] == ["published"]
    ]
    assert alone == []
    when = datetime(2026, 6, 1, tzinfo=UTC)
    reads = [
        Paper.objects.visible().filter(published__lte=when, published__gte=when - timedelta(30)),
        Paper.objects.visible()
        .filter(Q(published__lt=when) | Q(published=when, id__lt=5))
        .order_by("-published", "-id")[:21],
        Paper.objects.visible()
        .filter(published__gte=datetime(2024, 1, 1, tzinfo=UTC), published__lt=when)
        .order_by("-published", "-id")[:20],
        Paper.objects.filter(published__gte=when).values_list("published", flat=True),
    ]
    if connection.vendor == "postgresql":
        # The keyset page's OR: on empty test tables PostgreSQL filters the few visible rows
        # (``paper_visible``) and sorts them, whatever the indexes; the ranges plan on an index.
        del reads[1]
    for query in reads:
        sql, params = query.query.sql_with_params()
        if connection.vendor == "postgresql":
            plan = _plan(sql, list(params))
        else:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = " | ".join(row[-1] for row in cursor.fetchall())
        assert "paper_newest" in plan, plan


def test_0023_the_announced_count_reads_paper_announced_alone():
    """/papers/new's total counts the entries of ``paper_announced`` without reading a row:
    before, SQLite scanned the whole table for it (27 s at 2.7 M papers under load), because
    the index did not hold the columns of its own condition."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from paperfeed.papers import selectors

    month = datetime(2026, 8, 1, tzinfo=UTC)
    listed = {"published": month, "updated": month, "listed_on": date(2026, 8, 1)}
    Paper.objects.create(arxiv_id="2608.00001", title="Listed", **listed)
    Paper.objects.create(arxiv_id="2608.00002", title="Hidden", hidden=True, **listed)
    Paper.objects.create(
        arxiv_id="2608.00003",
        title="Stub",
        published=month,
        updated=month,
        published_is_estimate=True,
    )
    with CaptureQueriesContext(connection) as queries:
        assert selectors._announced_count() == 1
    (count,) = queries.captured_queries
    if connection.vendor == "postgresql":
        # Its planner proves a partial index's condition without the columns; on empty test
        # tables it scans the table whatever the indexes, so only SQLite's plan is asserted.
        return
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + count["sql"])
        plan = " | ".join(row[-1] for row in cursor.fetchall())
    assert "COVERING INDEX paper_announced" in plan, plan
