"""``papers_imported``: sent after an import batch commits, never inside the write, and never for
a batch that changed nothing or a dry run."""

from __future__ import annotations

from datetime import date

import pytest

from paperfeed.papers.models import Paper
from paperfeed.papers.records import FeaturedRecord
from paperfeed.papers.services import papers_upsert
from tests.factories import listing_record as rec

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    from paperfeed.papers.signals import papers_imported

    calls: list[dict] = []

    def receiver(**kwargs) -> None:
        calls.append(kwargs)

    papers_imported.connect(receiver, dispatch_uid="test.imported")
    yield calls
    papers_imported.disconnect(dispatch_uid="test.imported")


def test_papers_imported_is_sent_once_the_batch_commits(
    imported, django_capture_on_commit_callbacks
):
    hf = rec(
        "2503.00002", source="hf_daily", featured=FeaturedRecord(day=date(2025, 3, 19), upvotes=7)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        papers_upsert(records=[rec("2503.00001"), hf])
    assert imported == []  # not inside the write
    for callback in callbacks:
        callback()
    ids = dict(Paper.objects.values_list("arxiv_id", "pk"))
    [call] = imported
    assert call["sender"] is papers_upsert
    assert sorted(call["paper_ids"]) == sorted(ids.values())
    assert call["featured"] == [(ids["2503.00002"], "hf_daily", date(2025, 3, 19), 7)]


def test_a_failing_receiver_is_logged_and_stops_neither_the_others_nor_the_import(
    imported, django_capture_on_commit_callbacks, caplog
):
    from paperfeed.papers.signals import papers_imported

    def broken(**kwargs) -> None:
        raise RuntimeError("receiver bug")

    later: list[dict] = []

    def after(**kwargs) -> None:
        later.append(kwargs)

    papers_imported.connect(broken, dispatch_uid="test.broken")
    papers_imported.connect(after, dispatch_uid="test.after")  # called after the broken one
    try:
        with django_capture_on_commit_callbacks(execute=True):
            papers_upsert(records=[rec()])
    finally:
        papers_imported.disconnect(dispatch_uid="test.broken")
        papers_imported.disconnect(dispatch_uid="test.after")
    assert len(later) == 1 and Paper.objects.count() == 1
    assert "receiver bug" in caplog.text


def test_papers_imported_is_not_sent_for_a_batch_that_changed_nothing(
    imported, django_capture_on_commit_callbacks
):
    papers_upsert(records=[rec()])
    with django_capture_on_commit_callbacks(execute=True):
        papers_upsert(records=[rec()])
    assert imported == []


def test_papers_imported_is_not_sent_for_a_dry_run(imported, django_capture_on_commit_callbacks):
    from paperfeed.ingest.services import ingest_run

    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="listing", items=[rec()], dry_run=True)
    assert imported == [] and not Paper.objects.exists()


# --- Counters and curation -----------------------------------------------------------------------
