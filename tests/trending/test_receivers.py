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


def test_an_import_queues_the_code_links_of_its_papers_and_the_worker_finds_them(
    django_capture_on_commit_callbacks, run_tasks
):
    from paperfeed.papers.models import Paper

    listed = PaperRecord(
        arxiv_id="2603.04379",
        source="listing",
        title="Helios: Real Real-Time Long Video Generation Model",
        abstract="We build on https://github.com/sgl-project/sglang/pull/19782 for serving. "
        "Code: https://github.com/PKU-YuanGroup/Helios and a page at "
        "https://pku-yuangroup.github.io/Helios-Page/.",
        listed_on=date(2026, 3, 5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="listing", items=[listed])
    paper = Paper.objects.get(arxiv_id="2603.04379")
    # The import itself only queued the search: the importer keeps its pace.
    assert paper.code_url == "" and paper.project_page == ""
    run_tasks()
    paper.refresh_from_db()
    assert paper.code_url == "https://github.com/PKU-YuanGroup/Helios"
    assert paper.code_url_source == Paper.CodeUrlSource.AUTO
    assert paper.project_page == "https://pku-yuangroup.github.io/Helios-Page/"


def test_a_dry_run_queues_no_code_link_search(django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="listing", items=[_featured(5)], dry_run=True)
    assert not DBTaskResult.objects.filter(task_path__endswith="code_links_find_task").exists()
