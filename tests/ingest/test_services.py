from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from paperfeed.ingest.models import IngestRun
from paperfeed.ingest.services import ingest_run
from paperfeed.papers.models import Paper
from paperfeed.papers.records import PaperRecord, Rejected
from tests.factories import listing_record

# Not transactional: the FTS side table is no model, so only a rollback resets it between tests.
pytestmark = pytest.mark.django_db

V1 = datetime(2025, 3, 17, 12, 0, tzinfo=UTC)


rec = listing_record


def test_ingest_run_records_counts_rejections_and_commits_per_batch():
    items = [rec(f"2503.{n:05d}") for n in range(1, 6)] + [Rejected("not JSON", None, "f.jsonl:7")]
    run = ingest_run(source="listing", items=items, batch_size=2)
    run.refresh_from_db()
    assert run.status == IngestRun.Status.SUCCEEDED
    assert (run.new, run.rejected) == (5, 1)
    assert run.errors == [{"id": "", "reason": "not JSON", "location": "f.jsonl:7"}]
    assert run.finished_at and run.duration_seconds is not None


def test_dry_run_counts_but_stores_nothing():
    run = ingest_run(source="listing", items=[rec()], dry_run=True)
    assert run.status == IngestRun.Status.DRY_RUN and run.new == 1
    assert not Paper.objects.exists()


def test_import_killed_half_way_keeps_finished_batches_and_rerun_completes():
    def items():
        yield from (rec(f"2503.{n:05d}") for n in range(1, 5))
        raise KeyboardInterrupt  # the operator's Ctrl+C in the middle of the third batch

    with pytest.raises(KeyboardInterrupt):
        ingest_run(source="listing", items=items(), batch_size=2)
    assert Paper.objects.count() == 4
    assert IngestRun.objects.get().status == IngestRun.Status.FAILED
    run = ingest_run(source="listing", items=[rec(f"2503.{n:05d}") for n in range(1, 7)])
    assert (run.new, run.unchanged) == (2, 4)
    assert Paper.objects.count() == 6


def test_import_enqueues_a_build(settings, django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    from django_tasks_db.models import DBTaskResult

    from paperfeed.ingest.services import ingest_run

    when = datetime(2026, 1, 5, tzinfo=UTC)
    record = PaperRecord(
        arxiv_id="2601.09999",
        source="listing",
        version=1,
        title="A paper",
        abstract="Words.",
        authors=["A B"],
        categories=["cs.CL"],
        published=when,
        updated=when,
        versions=[(1, when)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="test", items=[record])
    assert DBTaskResult.objects.filter(task_path__endswith="similar_build_task").count() == 1
    # Keywords and summaries of the new papers are computed in the worker after each import.
    assert DBTaskResult.objects.filter(task_path__endswith="glances_build_task").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="test", items=[record])  # nothing new: no build
    assert DBTaskResult.objects.filter(task_path__endswith="similar_build_task").count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="glances_build_task").count() == 1


def _dead_pid() -> int:
    import subprocess

    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _running(**fields) -> IngestRun:
    import socket

    from django.utils import timezone

    defaults = {"host": socket.gethostname(), "pid": os.getpid(), "beat_at": timezone.now()}
    return IngestRun.objects.create(source="files", status="running", **{**defaults, **fields})


def test_a_run_whose_process_is_gone_is_marked_abandoned_not_running_forever():
    from datetime import timedelta

    from django.utils import timezone

    from paperfeed.ingest.services import RUN_STALE_SECONDS, ingest_runs_abandon

    long_ago = timezone.now() - timedelta(seconds=RUN_STALE_SECONDS + 60)
    dead_here = _running(pid=_dead_pid())
    alive_here = _running(beat_at=long_ago)  # this very process: alive, however quiet
    silent_elsewhere = _running(host="other-host", pid=1, beat_at=long_ago)
    beating_elsewhere = _running(host="other-host", pid=1)
    assert ingest_runs_abandon() == 2
    states = {run.pk: run.status for run in IngestRun.objects.all()}
    assert states[dead_here.pk] == states[silent_elsewhere.pk] == "abandoned"
    assert states[alive_here.pk] == states[beating_elsewhere.pk] == "running"
    assert IngestRun.objects.get(pk=dead_here.pk).finished_at is not None


def test_a_new_run_sweeps_the_abandoned_ones_and_records_its_own_process():
    stale = _running(pid=_dead_pid())
    run = ingest_run(source="files", items=[])
    assert IngestRun.objects.get(pk=stale.pk).status == "abandoned"
    assert run.pid == os.getpid() and run.host and run.beat_at is not None


def _pragma_foreign_keys() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_sqlite_foreign_key_checks_are_off_only_while_an_import_writes(monkeypatch):
    import gc

    from django.db import connection

    from paperfeed.ingest import services

    if connection.vendor != "sqlite":
        pytest.skip("a SQLite connection setting; PostgreSQL keeps its checks")
    seen: list[tuple[int, bool]] = []
    real = services.papers_upsert

    def spy(*, records, checked):
        seen.append((_pragma_foreign_keys(), gc.isenabled()))
        return real(records=records, checked=checked)

    monkeypatch.setattr(services, "papers_upsert", spy)
    services.ingest_run(source="listing", items=[rec(f"2503.{n:05d}") for n in range(1, 5)])
    assert seen == [(0, False)]
    assert (_pragma_foreign_keys(), gc.isenabled()) == (1, True)

    def failing():
        yield rec("2503.00009")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        services.ingest_run(source="listing", items=failing(), batch_size=1)
    assert seen[-1] == (0, False)
    assert (_pragma_foreign_keys(), gc.isenabled()) == (1, True)
    assert Paper.objects.filter(arxiv_id="2503.00009").exists()
