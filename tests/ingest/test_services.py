from __future__ import annotations

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
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="test", items=[record])  # nothing new: no build
    assert DBTaskResult.objects.filter(task_path__endswith="similar_build_task").count() == 1
