from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import connection, connections, models, transaction
from django.utils import timezone as django_timezone

from paperfeed.core import bulk
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
    postgres = connection.vendor == "postgresql"
    # JSON as its text on SQLite; as the Python object for PostgreSQL's binary COPY.
    assert row["versions"] == row["sources"] == ([] if postgres else "[]")
    assert row["listed_on"] is row["code_stars"] is row["code_repo"] is None
    state.sources, state.listed_on = ["listing"], date(2025, 3, 18)
    row = dict(zip(upsert.PAPER_COLUMNS, upsert.row_converter()(state), strict=True))
    if postgres:
        assert (row["sources"], row["listed_on"]) == (["listing"], date(2025, 3, 18))
    else:
        day = connection.ops.adapt_datefield_value(date(2025, 3, 18))  # text on SQLite
        assert (row["sources"], row["listed_on"]) == ('["listing"]', day)


def _as_text_copy_took_it(value: object) -> object:
    """A paper row's value as the importer sent it by text COPY before S80 (80a57ee)."""
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return connection.ops.adapt_datefield_value(value)
    return value


@pytest.mark.django_db
def test_a_binary_copy_stores_exactly_what_the_text_copy_stored():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    piece = "Ünïcode \u2013 量子 \U0001d518 😀 \\ \t tab\there\nnew line, 'quotes' \"and\" commas; "
    long_text = piece * 3000
    states = [
        PaperState(  # every other column's default: empty texts, [] JSON, NULL dates
            arxiv_id="2503.00001",
            published=datetime(2025, 3, 18, tzinfo=UTC),
            updated=datetime(2025, 3, 18, tzinfo=UTC),
        ),
        PaperState(
            arxiv_id="2503.00002",
            version=32767,  # smallint's largest
            versions=[{"version": 1, "date": "2025-03-18T00:00:00+00:00"}, {"version": 2}],
            title="Ψ-learning: \u00e9t\u00e9 ∮ “quoted” \x7f",
            abstract=long_text,  # ~280 KB, stored out of line
            abstract_source="hf_scrape",
            comments=r"\N is not NULL here",
            journal_ref="J. Test 1 (2025)",
            doi="10.1000/xyz-é",
            license="http://creativecommons.org/licenses/by/4.0/",
            primary_category="cs.LG",
            published=datetime(2025, 3, 18, 23, 59, 59, 999999, tzinfo=UTC),
            published_is_estimate=True,
            updated=datetime(2025, 3, 19, 1, 2, 3, tzinfo=timezone(timedelta(hours=-5))),
            listed_on=date(1, 1, 1),
            last_seen_on=date(9999, 12, 31),
            code_url="https://github.com/a/b",
            code_url_source="abstract",
            code_stars=0,
            code_repo="a/b",
            project_page="https://a.github.io/",
            # The binary rows' JSON is printed by orjson (core/bulk._jsonb_by_orjson), the
            # text rows' by json.dumps: keys out of order, escapes, control and non-BMP
            # characters and a large integer stored the same either way.
            sources=[
                "listing",
                {"nested": [1, 2.5, None, True, "ü"]},
                {"b": 2**62, "a": '\\ " \u2028 \x01 😀 / </script>', "": {}},
            ],
        ),
        PaperState(
            arxiv_id="2503.00003",
            published=datetime(2025, 3, 18, 12, 0),  # naive: UTC, as the server read its text
            updated=datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
            code_stars=2**31 - 1,
            listed_on=date(2000, 1, 1),
        ),
    ]
    columns = ("id", *upsert.PAPER_COLUMNS, "created_at", "updated_at")
    table = Paper._meta.db_table
    row, now = upsert.row_converter(), django_timezone.now()
    with connection.cursor() as cursor:
        ids = bulk.new_ids(cursor, table=table, count=2 * len(states))
        binary = [[ids[n], *row(state), now, now] for n, state in enumerate(states)]
        text = [
            [ids[n + len(states)], state.arxiv_id + "t"]
            + [_as_text_copy_took_it(value) for value in row(state)[1:]]
            + [now, now]
            for n, state in enumerate(states)
        ]
        bulk.copy_rows(
            cursor,
            table=table,
            columns=columns,
            rows=binary,
            pg_types=upsert.pg_types(Paper, columns),
        )
        bulk.copy_rows(cursor, table=table, columns=columns, rows=text)
        every = [
            f.column for f in Paper._meta.concrete_fields if f.column not in ("id", "arxiv_id")
        ]
        # Every column as its value and as the server prints it (exact to the microsecond, the
        # JSON as stored), plus NULL-ness, which text would hide.
        cursor.execute(
            f"SELECT arxiv_id, {', '.join(every)}, "
            f"{', '.join(f'{c}::text, {c} IS NULL' for c in every)} FROM {table} ORDER BY id"
        )
        stored = {found[0]: found[1:] for found in cursor.fetchall()}
    assert len(stored) == 2 * len(states)
    for state in states:
        assert stored[state.arxiv_id] == stored[state.arxiv_id + "t"], state.arxiv_id
    assert stored["2503.00002"][every.index("abstract")] == long_text
    assert stored["2503.00003"][every.index("published")] == datetime(2025, 3, 18, 12, tzinfo=UTC)


@pytest.mark.django_db
def test_author_and_link_rows_go_in_binary_as_they_went_in_text():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    paper = PaperFactory(arxiv_id="2503.00009")
    names = ["Zoë Ångström", "李 雷", "A" * 998, "O'Brien \\N"]
    with connection.cursor() as cursor:
        ids = bulk.new_ids(cursor, table=Author._meta.db_table, count=2 * len(names))
        for half, types in ((0, upsert.pg_types(Author, ("id", "name", "key"))), (1, None)):
            rows = [
                (ids[half * len(names) + n], name, f"{half} {name}") for n, name in enumerate(names)
            ]
            bulk.copy_rows(
                cursor,
                table=Author._meta.db_table,
                columns=("id", "name", "key"),
                rows=rows,
                pg_types=types,
            )
        link_columns = ("paper_id", "author_id", "position", "name")
        for half, types in ((0, upsert.pg_types(PaperAuthor, link_columns)), (1, None)):
            bulk.copy_rows(
                cursor,
                table=PaperAuthor._meta.db_table,
                columns=link_columns,
                rows=[
                    (paper.pk, ids[half * len(names) + n], half * len(names) + n, name)
                    for n, name in enumerate(names)
                ],
                pg_types=types,
            )
    authors = list(Author.objects.order_by("id").values_list("name", "key"))
    assert authors[: len(names)] == [(name, f"0 {name}") for name in names]
    assert [name for name, _ in authors[len(names) :]] == names
    links = list(PaperAuthor.objects.order_by("position").values_list("position", "name"))
    assert links == [(n, name) for n, name in enumerate(names * 2)]


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


@pytest.mark.django_db
def test_author_names_folded_by_a_parsing_process_are_stored_as_when_folded_here():
    from paperfeed.papers.merge import author_key

    def batch(*, folded: bool, prefix: str) -> list[PaperRecord]:
        lists = [["José García", "Ann Lee", "jose  garcia"], ["Jose Garcia", "Zoë Chen"]]
        return [
            PaperRecord(
                arxiv_id=f"{prefix}.0000{n}",
                source="listing",
                title=f"Paper {n}",
                authors=names,
                author_keys=[author_key(name) for name in names] if folded else None,
            )
            for n, names in enumerate(lists)
        ]

    def stored(prefix: str) -> list[tuple[str, int, str, str]]:
        return list(
            PaperAuthor.objects.filter(paper__arxiv_id__startswith=prefix)
            .order_by("paper__arxiv_id", "position")
            .values_list("paper__arxiv_id", "position", "name", "author__key")
        )

    papers_upsert(records=batch(folded=True, prefix="2501"), checked=True)
    papers_upsert(records=batch(folded=False, prefix="2502"), checked=True)
    folded, plain = stored("2501"), stored("2502")
    assert [row[1:] for row in folded] == [row[1:] for row in plain]
    assert [row[1:] for row in folded] == [
        (0, "José García", "jose garcia"),
        (1, "Ann Lee", "ann lee"),
        (0, "Jose Garcia", "jose garcia"),
        (1, "Zoë Chen", "zoe chen"),
    ]
    assert Author.objects.filter(key="jose garcia").count() == 1
