"""The scheduled tasks of ingest (paperfeed/ingest/tasks.py)."""

from __future__ import annotations

import pytest

from paperfeed.ingest import sources
from paperfeed.ingest.fetchers import FetchError
from paperfeed.ingest.tasks import complete_papers, daily_import
from paperfeed.papers.models import Paper
from tests.ingest.conftest import NOW, import_scraped, scraped

pytestmark = pytest.mark.django_db


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


@pytest.mark.django_db
def test_daily_import_offline_warns_once_per_source_and_keeps_serving(settings, caplog):
    # Port 9 (discard) on loopback refuses connections at once: the site's view of "offline".
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    settings.HF_API_URL = "http://127.0.0.1:9"
    settings.ARXIV_REQUEST_INTERVAL = 0
    settings.HF_REQUEST_INTERVAL = 0
    settings.PAPERFEED_FETCH_RETRIES = 1
    Paper.objects.create(
        arxiv_id="2501.00001",
        title="Already here",
        published="2025-01-01T00:00Z",
        updated="2025-01-01T00:00Z",
    )
    with caplog.at_level("INFO"):
        outcome = daily_import.call()
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2, [r.getMessage() for r in warnings]
    assert all("skipped" in r.getMessage() for r in warnings)
    assert outcome["arxiv_api"].startswith("skipped") and outcome["hf_daily"].startswith("skipped")
    assert Paper.objects.count() == 1


def test_the_thumbnail_task_renders_featured_papers_and_can_be_turned_off(pdf_server, settings):
    from paperfeed.ingest.tasks import thumbnails_build_task
    from paperfeed.papers.models import Thumbnail
    from tests.factories import FeaturedFactory, PaperFactory
    from tests.helpers import pdf_document

    featured = FeaturedFactory(paper=PaperFactory(arxiv_id="2401.00021")).paper
    PaperFactory(arxiv_id="2401.00022")  # not featured: the hourly job leaves it
    pdf_server.pdfs["2401.00021"] = pdf_server.pdfs["2401.00022"] = (200, pdf_document())
    settings.PAPERFEED_THUMBNAILS = False
    assert "off" in thumbnails_build_task.call()
    assert pdf_server.requests == []
    settings.PAPERFEED_THUMBNAILS = True
    assert thumbnails_build_task.call() == "1 rendered, 0 failed"
    assert Thumbnail.objects.get().paper == featured
    assert thumbnails_build_task.call() == "0 rendered, 0 failed"
