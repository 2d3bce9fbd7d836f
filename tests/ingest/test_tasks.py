"""The scheduled tasks of ingest (paperfeed/ingest/tasks.py)."""

from __future__ import annotations

import pytest

from paperfeed.ingest import sources
from paperfeed.ingest.fetchers import FetchError
from paperfeed.ingest.tasks import complete_papers
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
