"""Papers imported without an abstract are completed from the (loopback) arXiv API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from paperfeed.ingest import services, sources
from paperfeed.ingest.fetchers import FetchError
from paperfeed.ingest.tasks import complete_papers
from paperfeed.papers.models import Paper
from paperfeed.papers.records import PaperRecord
from paperfeed.papers.search_selectors import search_papers

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def arxiv(settings, arxiv_server):
    settings.ARXIV_REQUEST_INTERVAL = 0
    settings.PAPERFEED_FETCH_RETRIES = 0
    return arxiv_server


def scraped(arxiv_id: str, title: str, days_ago: int) -> PaperRecord:
    """What an HF scrape gives: id and title, no abstract."""
    return PaperRecord(
        arxiv_id=arxiv_id,
        source="hf_scrape",
        title=title,
        published=NOW - timedelta(days=days_ago),
    )


def import_scraped(*records: PaperRecord) -> None:
    services.ingest_run(source="hf_scrape", items=list(records))


def requested_ids(arxiv) -> list[str]:
    from urllib.parse import parse_qs, urlsplit

    lists = [parse_qs(urlsplit(path).query)["id_list"][0] for path in arxiv.requests]
    return [arxiv_id for id_list in lists for arxiv_id in id_list.split(",")]


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


def test_ids_go_in_batches_up_to_the_limit(arxiv, monkeypatch):
    monkeypatch.setattr(sources, "FETCH_IDS_BATCH", 2)
    import_scraped(*(scraped(f"2611.0001{n}", f"Paper number {n}", n) for n in range(5)))
    sources.papers_complete(limit=3)
    assert len(arxiv.requests) == 2
    assert requested_ids(arxiv) == ["2611.00010", "2611.00011", "2611.00012"]
    assert Paper.objects.filter(arxiv_checked_at__isnull=True).count() == 2


def test_a_failing_api_marks_nothing_and_the_task_says_so(arxiv, settings, caplog):
    import_scraped(scraped("2611.00001", "Sparse Mixtures of Experts", 1))
    arxiv.status = 500
    with pytest.raises(FetchError):
        sources.papers_complete(limit=10)
    assert Paper.objects.get().arxiv_checked_at is None  # still due
    with caplog.at_level("WARNING"):
        assert complete_papers.call().startswith("skipped")
    assert any("skipped" in r.getMessage() for r in caplog.records)

    arxiv.status = 200
    arxiv.papers["2611.00001"] = ("Sparse Mixtures of Experts", NOW, "")
    settings.PAPERFEED_COMPLETE_PER_RUN = 50
    assert complete_papers.call() == "1 completed, 0 unchanged, 0 rejected"
    assert complete_papers.call() == "nothing to complete"


def test_command(arxiv, capsys):
    import_scraped(scraped("2611.00001", "Sparse Mixtures of Experts", 1))
    arxiv.papers["2611.00001"] = ("Sparse Mixtures of Experts", NOW, "")
    call_command("ingest", "complete", "--limit", "5", "--no-progress")
    assert "arxiv_api: 0 new, 1 updated" in capsys.readouterr().out
    call_command("ingest", "complete", "--no-progress")
    assert "asked for one already" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("ingest", "complete", "--limit", "0")


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
