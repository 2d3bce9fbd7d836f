"""The import's writes on a second connection (paperfeed/ingest/overlap.py) store what the one
connection stored: the golden inputs in small batches, so that papers come again in the batch
after the one that wrote them, imported both ways and compared row by row."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from paperfeed.ingest import overlap, services
from paperfeed.ingest.models import IngestRun
from paperfeed.papers.models import Author, Paper
from tests.ingest.catalogue_golden import build_inputs, dump, import_all
from tests.ingest.test_sources import _assert_same_catalogue


def _import(inputs, monkeypatch, *, second_connection: bool):
    used = []

    def wanted(*, dry_run: bool) -> bool:
        used.append(True)
        return second_connection and not dry_run

    monkeypatch.setattr(overlap, "wanted", wanted)
    runs = import_all(inputs, parse_process=False)
    errors = list(IngestRun.objects.order_by("id").values_list("errors", flat=True))
    assert used
    return runs, errors, dump()


def _forget_catalogue() -> None:
    Paper.objects.all().delete()  # links go with their papers
    Author.objects.all().delete()
    IngestRun.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_writing_on_a_second_connection_stores_what_one_connection_stored(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        assert not overlap.wanted(dry_run=False)  # SQLite keeps its one connection
        return
    # Batches of 7, 14, 28 ... records: many per run, each merging papers the last one wrote.
    monkeypatch.setattr(services, "FIRST_BATCH_SIZE", 7)
    inputs = build_inputs(tmp_path / "inputs")
    one = _import(inputs, monkeypatch, second_connection=False)
    _forget_catalogue()
    two = _import(inputs, monkeypatch, second_connection=True)
    assert two[0] == one[0]  # new, updated, unchanged, rejected of each run
    assert two[1] == one[1]  # and its errors, in their order
    _assert_same_catalogue(two[2], one[2])
    assert any(updated or unchanged for _, updated, unchanged, _ in one[0])


@pytest.mark.django_db(transaction=True)
def test_a_failed_batch_on_the_second_connection_fails_the_run_after_the_ones_before(
    tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite writes on one connection")
    monkeypatch.setattr(services, "FIRST_BATCH_SIZE", 7)
    calls = []
    write = overlap.papers_upsert_write

    def failing_third(*, plan):
        calls.append(plan)
        if len(calls) == 3:
            raise RuntimeError("the disk is full")
        return write(plan=plan)

    monkeypatch.setattr(overlap, "papers_upsert_write", failing_third)
    inputs = build_inputs(tmp_path / "inputs")
    with pytest.raises(RuntimeError, match="the disk is full"):
        import_all(inputs[:1], parse_process=False)
    run = IngestRun.objects.get()
    assert run.status == IngestRun.Status.FAILED
    # The two batches before it committed and are counted: 7 + 14 records.
    assert run.new + run.updated + run.unchanged + run.rejected == 21
    assert Paper.objects.count() == run.new


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_the_import_keeps_one_connection():
    with transaction.atomic():
        assert not overlap.wanted(dry_run=False)
    assert not overlap.wanted(dry_run=True)
