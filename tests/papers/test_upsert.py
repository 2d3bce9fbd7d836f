from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection, connections, models, transaction

from paperfeed.papers import upsert
from paperfeed.papers.merge import PaperState
from paperfeed.papers.models import Author, Paper, PaperAuthor
from paperfeed.papers.records import PaperRecord
from paperfeed.papers.services import papers_upsert
from tests.factories import PaperFactory


def test_paper_columns_are_the_models_concrete_fields_minus_the_documented_exclusions():
    concrete = {field.attname for field in Paper._meta.concrete_fields}
    assert concrete >= upsert.PAPER_EXCLUDED  # every exclusion names a real column
    assert set(upsert.PAPER_COLUMNS) == concrete - upsert.PAPER_EXCLUDED
    assert upsert.PAPER_COLUMNS[0] == "arxiv_id"
    assert len(set(upsert.PAPER_COLUMNS)) == len(upsert.PAPER_COLUMNS)


def test_every_written_column_is_held_by_the_merge_state():
    assert set(upsert.PAPER_COLUMNS) <= set(PaperState.__slots__)


def test_a_field_added_to_paper_is_written_without_a_second_list(monkeypatch):
    field = models.CharField(max_length=20, blank=True)
    field.set_attributes_from_name("abstract_origin")
    fields = (*Paper._meta.concrete_fields, field)
    monkeypatch.setitem(Paper._meta.__dict__, "concrete_fields", fields)
    assert upsert.paper_columns()[-1] == "abstract_origin"


@pytest.mark.django_db
def test_a_row_gives_each_columns_default_for_none_and_converts_only_what_needs_it():
    state = PaperState(arxiv_id="2503.00001")
    for name in upsert.PAPER_COLUMNS[1:]:
        setattr(state, name, None)
    row = dict(zip(upsert.PAPER_COLUMNS, upsert.row_converter()(state), strict=True))
    assert row["arxiv_id"] == "2503.00001"
    assert (row["title"], row["abstract"], row["doi"], row["code_url"]) == ("", "", "", "")
    assert (row["version"], row["published_is_estimate"]) == (1, False)
    assert row["versions"] == row["sources"] == "[]"  # JSON as its text
    assert row["listed_on"] is row["code_stars"] is row["code_repo"] is None
    state.sources, state.listed_on = ["listing"], date(2025, 3, 18)
    row = dict(zip(upsert.PAPER_COLUMNS, upsert.row_converter()(state), strict=True))
    day = connection.ops.adapt_datefield_value(date(2025, 3, 18))  # text on SQLite
    assert (row["sources"], row["listed_on"]) == ('["listing"]', day)


@pytest.mark.django_db
def test_postgresql_types_come_from_the_models():
    if connection.vendor != "postgresql":
        pytest.skip("the unnest() array types are only used on PostgreSQL")
    types = dict(
        zip(upsert.PAPER_COLUMNS, upsert.pg_types(Paper, upsert.PAPER_COLUMNS), strict=True)
    )
    assert types["arxiv_id"] == "varchar"  # no length: a cast must never cut a value
    assert types["versions"] == types["sources"] == "jsonb"
    assert types["published"] == "timestamp with time zone"
    assert types["listed_on"] == types["last_seen_on"] == "date"
    assert types["published_is_estimate"] == "boolean"
    assert types["version"] == "smallint"
    columns = ("paper_id", "author_id", "position", "name")
    assert upsert.pg_types(PaperAuthor, columns) == ["bigint", "bigint", "smallint", "varchar"]


def _record(arxiv_id: str, *authors: str) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        source="listing",
        title=f"Paper {arxiv_id}",
        abstract="An abstract.",
        authors=list(authors),
        categories=["cs.LG"],
        listed_on=date(2025, 3, 18),
    )


@pytest.mark.django_db(transaction=True)
def test_new_papers_and_authors_keep_their_tables_ids_in_step():
    # On PostgreSQL the importer draws the new rows' ids from each table's sequence itself and
    # COPYs them in; rows created afterwards the ordinary way must neither collide nor reuse.
    Author.objects.create(name="Ada Lovelace", key="ada lovelace")
    with transaction.atomic():
        papers_upsert(records=[_record("2503.00001", "Ada Lovelace", "Alan Turing")])
    with transaction.atomic():
        papers_upsert(records=[_record("2503.00002", "Alan Turing", "Grace Hopper")])
    later_author = Author.objects.create(name="Edsger Dijkstra", key="edsger dijkstra")
    later_paper = PaperFactory(arxiv_id="2503.00003")
    assert later_author.pk > max(
        Author.objects.exclude(pk=later_author.pk).values_list("pk", flat=True)
    )
    assert later_paper.pk > max(
        Paper.objects.exclude(pk=later_paper.pk).values_list("pk", flat=True)
    )
    links = {
        (arxiv_id, name): author_id
        for arxiv_id, name, author_id in PaperAuthor.objects.values_list(
            "paper__arxiv_id", "author__name", "author_id"
        )
    }
    assert links[("2503.00001", "Alan Turing")] == links[("2503.00002", "Alan Turing")]
    assert Author.objects.get(key="ada lovelace").pk == links[("2503.00001", "Ada Lovelace")]
    assert Author.objects.filter(key="alan turing").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_author_added_by_another_transaction_meanwhile_is_linked_not_duplicated():
    # Another writer inserts an author the batch is about to create, commits only once the
    # batch is waiting on it: the batch's COPY of new authors fails on the unique key, its
    # savepoint is rolled back, and the tolerant path links the other writer's row.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's batch holds the write lock from BEGIN: no writer can interleave")
    import psycopg

    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "host": settings["HOST"],
        "port": settings["PORT"],
        "password": settings["PASSWORD"],
    }
    # The watcher in autocommit: within a transaction pg_stat_activity keeps its first reading.
    other, watcher = psycopg.connect(**params), psycopg.connect(**params, autocommit=True)
    other.execute(
        "INSERT INTO papers_author (name, key) VALUES ('Barbara Liskov', 'barbara liskov')"
    )
    errors: list[BaseException] = []

    def import_batch() -> None:
        try:
            with transaction.atomic():
                papers_upsert(records=[_record("2503.00004", "Barbara Liskov", "Ken Thompson")])
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=import_batch)
    worker.start()
    waiting = False
    for _ in range(200):  # until the batch's COPY waits for this transaction's key
        waiting = bool(
            watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            ).fetchone()
        )
        if waiting:
            break
        time.sleep(0.05)
    other.commit()
    other.close()
    watcher.close()
    worker.join(timeout=60)
    assert waiting and not errors
    liskov = Author.objects.get(key="barbara liskov")
    assert list(
        PaperAuthor.objects.filter(paper__arxiv_id="2503.00004")
        .order_by("position")
        .values_list("author_id", "name")
    ) == [
        (liskov.pk, "Barbara Liskov"),
        (Author.objects.get(key="ken thompson").pk, "Ken Thompson"),
    ]
