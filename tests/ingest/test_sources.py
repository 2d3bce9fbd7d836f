"""Each network source end to end: a real HTTP server on loopback serves recorded responses."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from paperfeed.ingest import sources
from paperfeed.ingest.fetchers import FetchError
from paperfeed.ingest.models import IngestRun
from paperfeed.ingest.sources import (
    papers_harvest_oai,
    papers_import_arxiv,
    papers_import_hf_daily,
)
from paperfeed.papers import bulk_indexes
from paperfeed.papers.models import Featured, Paper
from paperfeed.papers.search_selectors import search_papers
from tests.ingest.catalogue_golden import build_inputs, dump, expected, import_all
from tests.ingest.conftest import NOW, import_scraped, requested_ids, scraped
from tests.loopback import QuietHandler, serving
from tests.papers.catalogue_indexes import index_definitions, indexes_aside_by_a_run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fetchers"


Route = Callable[[dict[str, list[str]]], tuple[int, bytes]]


@pytest.fixture
def upstream(settings) -> Iterator[dict[str, Route]]:
    """A loopback server; tests register a route per path. Requests are recorded."""
    routes: dict[str, Route] = {}
    seen: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            seen.append(self.path)
            route = routes.get(url.path)
            self.reply(*(route(parse_qs(url.query)) if route else (404, b"not found")))

    with serving(Handler) as base:
        settings.ARXIV_API_URL = f"{base}/api/query"
        settings.ARXIV_OAI_URL = f"{base}/oai"
        settings.HF_API_URL = base
        settings.ARXIV_REQUEST_INTERVAL = 0
        settings.HF_REQUEST_INTERVAL = 0
        settings.PAPERFEED_FETCH_RETRIES = 0
        routes["__seen__"] = seen  # type: ignore[assignment]
        yield routes


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.django_db
def test_arxiv_api_import_pages_through_results(upstream):
    def query(params):
        start = int(params["start"][0])
        return 200, fixture("arxiv_api_page1.xml" if start == 0 else "arxiv_api_page2.xml")

    upstream["/api/query"] = query
    run = papers_import_arxiv(
        categories=["cs.CL"], submitted_from=date(2025, 1, 6), submitted_until=date(2025, 1, 7)
    )
    assert (run.status, run.new) == ("succeeded", 3)
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {
        "2501.03001",
        "2501.03002",
        "2501.03003",
    }
    assert Paper.objects.get(arxiv_id="2501.03002").version == 2
    assert "cat:cs.CL" in upstream["__seen__"][0].replace("%3A", ":")


@pytest.mark.django_db
def test_an_arxiv_error_entry_fails_the_run_clearly(upstream):
    upstream["/api/query"] = lambda params: (200, fixture("arxiv_api_error.xml"))
    with pytest.raises(FetchError):
        papers_import_arxiv(
            categories=["cs.CL"], submitted_from=date(2025, 1, 6), submitted_until=date(2025, 1, 7)
        )
    run = IngestRun.objects.get()
    assert run.status == "failed" and run.message
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_oai_harvest_checkpoints_and_resumes_after_a_failure(upstream):
    state = {"second_page_up": False}

    def oai(params):
        if "resumptionToken" in params:
            if not state["second_page_up"]:
                return 404, b"gone for now"
            return 200, fixture("oai_arXivRaw_page2.xml")
        return 200, fixture("oai_arXivRaw_page1.xml")

    upstream["/oai"] = oai
    with pytest.raises(FetchError):
        papers_harvest_oai(set_spec="cs:cs:CL", date_from=date(2025, 1, 6))
    failed = IngestRun.objects.get()
    assert (failed.status, failed.new, failed.cursor) == ("failed", 2, "6961524|1001")

    state["second_page_up"] = True
    before = len(upstream["__seen__"])
    run = papers_harvest_oai(set_spec="cs:cs:CL", date_from=date(2025, 1, 6), resume=True)
    assert (run.status, run.new) == ("succeeded", 1)
    assert run.parameters["resumed_from"] == "6961524|1001"
    # The resumed harvest asked only for the page after the checkpoint.
    assert all("resumptionToken" in path for path in upstream["__seen__"][before:])
    assert Paper.objects.count() == 3


@pytest.mark.django_db
def test_hf_daily_import_records_featured_days_and_upvotes(upstream):
    upstream["/api/daily_papers"] = lambda params: (
        (200, fixture("hf_daily_papers_2026-03-06.json"))
        if params["date"] == ["2026-03-06"]
        else (200, b"[]")
    )
    run = papers_import_hf_daily(days=[date(2026, 3, 5), date(2026, 3, 6)])
    assert run.status == "succeeded" and run.new >= 1
    entry = Featured.objects.filter(day=date(2026, 3, 6)).order_by("-upvotes").first()
    assert entry is not None and entry.upvotes > 0 and entry.source == "hf_daily"


@pytest.mark.django_db
def test_papers_without_an_abstract_are_completed_once(arxiv):
    import_scraped(
        scraped("2611.00001", "Sparse Mixtures of Experts", 1),
        scraped("2611.00002", "Speech Tokenizers Compared", 2),
        scraped("2611.00003", "Withdrawn Before Anyone Read It", 3),
        scraped("2611.00004", "A Hidden Paper", 4),
    )
    Paper.objects.filter(arxiv_id="2611.00004").update(hidden=True)
    whole = Paper.objects.create(
        arxiv_id="2611.00005", title="Complete", abstract="Has one.", published=NOW, updated=NOW
    )
    arxiv.papers["2611.00001"] = ("Sparse Mixtures of Experts", NOW - timedelta(days=1), "")
    arxiv.papers["2611.00002"] = ("Speech Tokenizers Compared", NOW - timedelta(days=2), "")
    # arXiv does not know 2611.00003.

    run = sources.papers_complete(limit=10)
    assert run is not None and run.updated == 2 and run.rejected == 0
    # Newest first; neither the hidden paper nor the complete one is asked for.
    assert requested_ids(arxiv) == ["2611.00001", "2611.00002", "2611.00003"]
    first = Paper.objects.get(arxiv_id="2611.00001")
    assert first.abstract == "An abstract." and first.arxiv_checked_at is not None
    assert list(first.authors.values_list("name", flat=True)) == ["Ada Lovelace"]
    assert Paper.objects.get(arxiv_id="2611.00003").abstract == ""
    assert Paper.objects.get(arxiv_id="2611.00003").arxiv_checked_at is not None
    assert Paper.objects.get(arxiv_id="2611.00004").arxiv_checked_at is None
    whole.refresh_from_db()
    assert whole.abstract == "Has one." and whole.arxiv_checked_at is None
    # The search index follows: the abstract's words find the paper.
    assert first.pk in [row.paper.pk for row in search_papers(query="abstract").papers]

    # Asked once: the paper arXiv does not know is not asked for again.
    arxiv.requests.clear()
    assert sources.papers_complete(limit=10) is None
    assert arxiv.requests == []


@pytest.mark.django_db
def test_ids_go_in_batches_up_to_the_limit(arxiv, monkeypatch):
    monkeypatch.setattr(sources, "FETCH_IDS_BATCH", 2)
    import_scraped(*(scraped(f"2611.0001{n}", f"Paper number {n}", n) for n in range(5)))
    sources.papers_complete(limit=3)
    assert len(arxiv.requests) == 2
    assert requested_ids(arxiv) == ["2611.00010", "2611.00011", "2611.00012"]
    assert Paper.objects.filter(arxiv_checked_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_an_abstract_from_hugging_face_is_replaced_by_arxivs(arxiv):
    record = scraped("2611.00001", "Sparse Mixtures of Experts", 1)
    record.abstract = "The text of the HF page."
    record.abstract_source = "hf_scrape"
    import_scraped(record)
    arxiv.papers["2611.00001"] = ("Sparse Mixtures of Experts", NOW - timedelta(days=1), "")

    run = sources.papers_complete(limit=10)
    assert run is not None and run.updated == 1
    assert requested_ids(arxiv) == ["2611.00001"]
    paper = Paper.objects.get(arxiv_id="2611.00001")
    assert (paper.abstract, paper.abstract_source) == ("An abstract.", "")
    # A later scrape of the same page does not bring the HF text back.
    import_scraped(record)
    paper.refresh_from_db()
    assert (paper.abstract, paper.abstract_source) == ("An abstract.", "")


# --- The golden catalogue: the same rows as the start commit (tests/ingest/catalogue_golden.py) --


def _assert_same_catalogue(found: dict, wanted: dict) -> None:
    # Section by section, so that a failure names the first rows that differ.
    assert sorted(found) == sorted(wanted)
    for section in sorted(wanted):
        if found[section] != wanted[section]:
            if isinstance(wanted[section], dict):
                keys = sorted(set(found[section]) | set(wanted[section]))
                differ = [k for k in keys if found[section].get(k) != wanted[section].get(k)]
                first = differ[0]
                pytest.fail(
                    f"{section}: {len(differ)} differ, first {first}: "
                    f"{found[section].get(first)} != {wanted[section].get(first)}"
                )
            missing = [row for row in wanted[section] if row not in found[section]][:3]
            extra = [row for row in found[section] if row not in wanted[section]][:3]
            pytest.fail(f"{section}: missing {missing}, unexpected {extra}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("parse_process", [False, True], ids=["reader thread", "second process"])
def test_file_imports_store_what_the_start_commit_stored(tmp_path, parse_process):
    inputs = build_inputs(tmp_path / "inputs")
    runs = import_all(inputs, parse_process=parse_process)
    wanted = expected()
    assert [list(run) for run in runs] == wanted.pop("runs")
    _assert_same_catalogue(dump(), wanted)


@pytest.mark.django_db(transaction=True)
def test_the_golden_inputs_store_the_same_catalogue_without_the_secondary_indexes(tmp_path):
    # As during a first load (papers/bulk_indexes.py), each input merging into the rows stored
    # before it. A run said to be under way keeps the indexes aside through every import.
    migrated = index_definitions()
    indexes_aside_by_a_run(pid=os.getppid())
    runs = import_all(build_inputs(tmp_path / "inputs"), parse_process=False)
    assert "papercategory_by_cat" not in index_definitions()
    wanted = expected()
    assert [list(run) for run in runs] == wanted.pop("runs")
    _assert_same_catalogue(dump(), wanted)
    IngestRun.objects.filter(pid=os.getppid()).delete()
    bulk_indexes.restore()
    assert index_definitions() == migrated


@pytest.mark.django_db(transaction=True)
def test_importing_the_golden_inputs_again_changes_nothing(tmp_path):
    inputs = build_inputs(tmp_path / "inputs")
    first = import_all(inputs, parse_process=False)
    stored = dump()
    again = import_all(inputs, parse_process=False)
    assert [new + updated for new, updated, _, _ in again] == [0] * len(inputs)
    assert [rejected for *_, rejected in again] == [rejected for *_, rejected in first]
    assert dump() == stored


def test_the_parsing_process_checks_records_as_the_importer_would(tmp_path):
    # What the parsing process runs (iter_checked_records) refuses exactly the records that
    # papers_upsert's own check refuses, so the importer may skip its check (checked=True).
    from paperfeed.ingest.parsers.detect import iter_checked_records, iter_files_records
    from paperfeed.papers.records import PaperRecord, Rejected, upsert_problem

    for path in build_inputs(tmp_path / "inputs"):
        fmt = "snapshot" if "snapshot" in path.name else "listing"
        arguments = ([path], [fmt], None, None)
        plain = list(iter_files_records(*arguments))
        wanted = [
            Rejected(problem, item.arxiv_id)
            if isinstance(item, PaperRecord) and (problem := upsert_problem(item))
            else item
            for item in plain
        ]
        assert list(iter_checked_records(*arguments)) == wanted


def test_the_parsing_process_folds_each_accepted_records_author_names_to_their_keys(tmp_path):
    # The importer reads these keys instead of folding each name again (merge, author rows).
    from paperfeed.ingest.parsers.detect import iter_checked_records
    from paperfeed.papers.merge import author_key
    from paperfeed.papers.records import PaperRecord

    folded = 0
    for path in build_inputs(tmp_path / "inputs"):
        fmt = "snapshot" if "snapshot" in path.name else "listing"
        for item in iter_checked_records([path], [fmt], None, None):
            if isinstance(item, PaperRecord) and item.authors:
                assert item.author_keys == [author_key(name) for name in item.authors]
                folded += 1
    assert folded > 50
