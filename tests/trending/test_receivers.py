from __future__ import annotations

from datetime import date

import pytest

from paperfeed.ingest.services import ingest_run
from paperfeed.papers.records import FeaturedRecord, PaperRecord
from paperfeed.trending.models import UpvoteSnapshot

pytestmark = pytest.mark.django_db


def _featured(upvotes: int) -> PaperRecord:
    return PaperRecord(
        arxiv_id="2503.00001",
        source="hf_daily",
        title="A featured paper",
        featured=FeaturedRecord(day=date(2025, 3, 18), upvotes=upvotes),
    )


def test_an_import_records_source_upvotes_once_its_batch_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ingest_run(source="hf_daily", items=[_featured(5)])
    assert not UpvoteSnapshot.objects.exists()  # nothing inside the import's transaction
    for callback in callbacks:
        callback()
    snapshot = UpvoteSnapshot.objects.get()
    assert (snapshot.count, snapshot.source) == (5, "hf")


def test_a_dry_run_records_no_upvotes(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="hf_daily", items=[_featured(5)], dry_run=True)
    assert not UpvoteSnapshot.objects.exists()
