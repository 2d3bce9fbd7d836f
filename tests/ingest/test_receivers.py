"""Ingest's reactions to imports (paperfeed/ingest/receivers.py): the thumbnails of the papers a
batch featured are queued, and the worker renders them."""

from __future__ import annotations

from datetime import date

import pytest

from paperfeed.ingest.services import ingest_run
from paperfeed.papers.models import Thumbnail
from paperfeed.papers.records import FeaturedRecord, PaperRecord
from tests.helpers import pdf_document, queued_tasks

pytestmark = pytest.mark.django_db


def _records() -> list[PaperRecord]:
    return [
        PaperRecord(
            arxiv_id="2608.00031",
            source="hf_daily",
            title="Featured today",
            featured=FeaturedRecord(day=date(2026, 8, 22), upvotes=3),
        ),
        PaperRecord(arxiv_id="2608.00032", source="listing", title="Only listed"),
    ]


def test_an_import_that_features_papers_queues_their_thumbnails(
    pdf_server, django_capture_on_commit_callbacks, run_tasks
):
    pdf_server.pdfs["2608.00031"] = (200, pdf_document())
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="hf_daily", items=_records())
    # Queued, not fetched during the import.
    assert queued_tasks("thumbnails_build_task").count() == 1
    assert pdf_server.requests == []
    run_tasks()
    assert pdf_server.requests == ["/pdf/2608.00031"]
    assert Thumbnail.objects.get().paper.arxiv_id == "2608.00031"


def test_nothing_is_queued_when_thumbnails_are_off_or_nothing_was_featured(
    pdf_server, settings, django_capture_on_commit_callbacks
):
    settings.PAPERFEED_THUMBNAILS = False
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="hf_daily", items=_records())
    settings.PAPERFEED_THUMBNAILS = True
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="listing", items=[_records()[1]])
    assert not queued_tasks("thumbnails_build_task").exists()
