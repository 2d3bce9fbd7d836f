"""A first load sets the catalogue's secondary indexes aside and builds them once when it ends:
the same indexes afterwards, the same answers meanwhile, and none left missing by a failed,
killed or concurrent run (the killed process itself: tests/ingest/test_commands.py)."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, models, transaction

from paperfeed.ingest.models import IngestRun
from paperfeed.ingest.services import ingest_run
from paperfeed.papers import bulk_indexes
from paperfeed.papers.models import Author, Paper, PaperAuthor, PaperCategory
from paperfeed.papers.records import PaperRecord
from paperfeed.papers.services import catalogue_indexes_defer, papers_upsert
from tests.factories import listing_record
from tests.papers.catalogue_indexes import index_definitions, indexes_aside_by_a_run

# Transactional: a first load sets nothing aside inside a caller's transaction (one test says so).
pytestmark = pytest.mark.django_db(transaction=True)

LINK_INDEXES = {"papers_paperauthor_author_id_0254f12e", "papercategory_by_cat"}
PAPER_INDEXES = {
    "paper_newest",
    "paper_visible",
    "paper_hidden",
    "paper_stub",
    "paper_announced",
    "paper_code_repo",
    "paper_code_unstarred",
    "paper_incomplete",
    "papers_paper_primary_category_126f541f",
}


@pytest.fixture
def set_aside() -> set[str]:
    """On SQLite the link tables' indexes only (rebuilding a paper index scans the wide rows)."""
    return LINK_INDEXES if connection.vendor == "sqlite" else LINK_INDEXES | PAPER_INDEXES


def records(count: int, start: int = 0) -> list[PaperRecord]:
    return [
        listing_record(
            f"2503.{n:05d}",
            published=datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=n),
            authors=[f"Author {n % 37}", f"Author {n % 11} Second"],
            categories=["cs.LG", "cs.AI"] if n % 2 else ["cs.CL"],
        )
        for n in range(start, start + count)
    ]


def test_only_the_non_unique_indexes_are_set_aside_and_built_again_as_migrated(set_aside):
    migrated = index_definitions()
    assert set(bulk_indexes.drop()) == set_aside
    during = index_definitions()
    assert set(migrated) - set(during) == set_aside
    # What the upsert rests on stays: the keys and every unique constraint.
    for model, unique in (
        (Paper, ["arxiv_id"]),
        (Author, ["key"]),
        (PaperAuthor, ["paper", "position"]),
        (PaperCategory, ["paper", "category"]),
    ):
        assert _unique_names(model, unique), f"{model.__name__}'s unique {unique} is gone"
    assert set(bulk_indexes.restore()) == set_aside
    assert index_definitions() == migrated
    assert bulk_indexes.restore() == []  # nothing missing: nothing built


def _unique_names(model: type[models.Model], fields: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    columns = [model._meta.get_field(name).column for name in fields]
    return [
        name for name, info in constraints.items() if info["unique"] and info["columns"] == columns
    ]


def test_a_first_load_reads_right_without_them_and_ends_with_the_migrated_indexes(set_aside):
    migrated = index_definitions()
    during: list[set[str]] = []
    newest: list[tuple[list[str], list[str]]] = []
    categories: list[tuple[int, int]] = []
    authors: list[tuple[int, int]] = []

    def after_each_batch(_: int) -> None:
        during.append(set(index_definitions()))
        stored = list(Paper.objects.visible().values_list("arxiv_id", "published"))
        by_python = [arxiv_id for arxiv_id, _ in sorted(stored, key=lambda row: row[1])][::-1]
        by_sql = Paper.objects.visible().order_by("-published", "-id")
        newest.append((list(by_sql.values_list("arxiv_id", flat=True)[:20]), by_python[:20]))
        # Through the category and author links, whose indexes are aside on both databases.
        by_category = Paper.objects.filter(category_links__category="cs.CL").count()
        categories.append((by_category, Paper.objects.filter(primary_category="cs.CL").count()))
        by_author = PaperAuthor.objects.filter(author__key="author 3").count()
        authors.append((by_author, len([a for a, _ in stored if int(a[5:]) % 37 == 3])))

    run = ingest_run(source="listing", items=records(3500), progress=after_each_batch)

    assert (run.status, run.new) == (IngestRun.Status.SUCCEEDED, 3500)
    assert len(during) == 3  # batches of 1,000, 2,000 and 500
    assert all(not (set_aside & present) for present in during)
    for by_sql, by_python in newest:
        assert by_sql == by_python
    assert all(found == wanted for found, wanted in categories + authors)
    assert categories[-1][0] > 0 and authors[-1][0] > 0
    assert index_definitions() == migrated
    assert PaperAuthor.objects.count() == 7000
    assert Paper.objects.filter(primary_category="cs.CL").count() == 1750


def test_no_first_load_below_a_full_first_batch_or_into_a_larger_catalogue(set_aside):
    present: list[set[str]] = []

    def after_each_batch(_: int) -> None:
        present.append(set(index_definitions()))

    ingest_run(source="listing", items=records(999), progress=after_each_batch)
    assert present[-1] >= set_aside
    papers_upsert(records=records(2, start=999))  # 1,001 papers now
    assert catalogue_indexes_defer(incoming=1000) == []
    assert catalogue_indexes_defer(incoming=1001) != []  # as large as the catalogue: a first load


def test_nothing_is_set_aside_inside_a_callers_transaction(set_aside):
    present: list[set[str]] = []
    with transaction.atomic():
        ingest_run(
            source="listing",
            items=records(1500),
            progress=lambda _: present.append(set(index_definitions())),
        )
    assert all(names >= set_aside for names in present)


def test_a_dry_run_sets_nothing_aside(set_aside):
    present: list[set[str]] = []
    ingest_run(
        source="listing",
        items=records(1500),
        dry_run=True,
        progress=lambda _: present.append(set(index_definitions())),
    )
    assert all(names >= set_aside for names in present)


def test_a_failed_first_load_builds_them_before_it_reports():
    migrated = index_definitions()

    def failing() -> Iterator[PaperRecord]:
        yield from records(3000)
        raise RuntimeError("the archive is cut short")

    with pytest.raises(RuntimeError):
        ingest_run(source="listing", items=failing())
    run = IngestRun.objects.get()
    assert (run.status, run.new) == (IngestRun.Status.FAILED, 3000)
    assert index_definitions() == migrated


def test_what_a_killed_load_left_aside_comes_back_on_the_next_import_or_migrate():
    migrated = index_definitions()
    indexes_aside_by_a_run(pid=_a_pid_that_is_gone())  # a first load killed half-way
    ingest_run(source="listing", items=records(1))
    assert IngestRun.objects.filter(status=IngestRun.Status.ABANDONED).count() == 1
    assert index_definitions() == migrated

    bulk_indexes.drop()
    call_command("migrate", verbosity=0)
    assert index_definitions() == migrated


def test_a_first_load_under_way_elsewhere_keeps_them_aside(set_aside):
    indexes_aside_by_a_run(pid=os.getppid())  # a first load under way in another process
    ingest_run(source="listing", items=records(1))
    assert not (set_aside & set(index_definitions()))


def _a_pid_that_is_gone() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_postgresql_builds_them_two_at_a_time_on_two_connections(set_aside, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite builds one index at a time (one writer)")
    migrated = index_definitions()
    bulk_indexes.drop()
    backends: dict[str, set[int]] = {}
    build = bulk_indexes._build

    def recorded(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.setdefault(threading.current_thread().name, set()).add(cursor.fetchone()[0])
        build(sql)

    monkeypatch.setattr(bulk_indexes, "_build", recorded)
    assert set(bulk_indexes.restore()) == set_aside
    assert index_definitions() == migrated
    assert len(backends) == 2  # this thread and the helper, each on its own connection
    assert len(set.union(*backends.values())) == 2


def test_a_failed_build_on_either_connection_is_raised_once_both_stopped(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite builds one index at a time (one writer)")
    migrated = index_definitions()
    bulk_indexes.drop()
    build = bulk_indexes._build

    def failing(sql: str) -> None:
        if "paper_newest" in sql:
            raise RuntimeError("disk full")
        build(sql)

    monkeypatch.setattr(bulk_indexes, "_build", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        bulk_indexes.restore()
    assert not any(t.name == "paperfeed-index-build" for t in threading.enumerate())
    monkeypatch.setattr(bulk_indexes, "_build", build)
    bulk_indexes.restore()  # the next import's start or migrate builds what is missing
    assert index_definitions() == migrated
