"""First-page thumbnails (paperfeed/ingest/thumbnails.py): PDFs from a loopback arXiv, pages
rendered for real, every outcome recorded so nothing is fetched in a loop."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from paperfeed.ingest.fetchers import PoliteClient
from paperfeed.ingest.thumbnails import (
    MAX_ATTEMPTS,
    papers_needing_thumbnails,
    pdf_client,
    thumbnails_build,
)
from paperfeed.papers.models import Thumbnail
from paperfeed.papers.thumbnails import thumbnail_path
from tests.factories import FeaturedFactory, PaperFactory
from tests.helpers import ENCRYPTED_TRAILER, pdf_document

pytestmark = pytest.mark.django_db


def test_a_featured_papers_first_page_is_rendered_and_stored(pdf_server, client):
    featured = FeaturedFactory(paper=PaperFactory(arxiv_id="2401.00001")).paper
    other = PaperFactory(arxiv_id="2401.00002")
    pdf_server.pdfs["2401.00001"] = (200, pdf_document())
    pdf_server.pdfs["2401.00002"] = (200, pdf_document())

    run = thumbnails_build(limit=10, featured_only=True)

    assert (run.done, run.failed, run.stopped) == (1, 0, "")
    assert pdf_server.requests == ["/pdf/2401.00001"]
    path = thumbnail_path("2401.00001")
    assert path.parent.name == "2401" and path.is_file()
    image = Image.open(io.BytesIO(path.read_bytes()))
    assert image.format == "WEBP" and image.width == 320
    # No temporary file left beside it.
    assert [p.name for p in path.parent.iterdir()] == ["2401.00001.webp"]
    row = Thumbnail.objects.get(paper=featured)
    assert (row.state, row.width, row.height) == ("done", 320, image.height)
    assert not Thumbnail.objects.filter(paper=other).exists()
    # The card shows it, lazy-loaded with its size; the other paper has its placeholder.
    html = client.get("/papers/new").content.decode()
    assert (
        '<img class="pf-thumb" src="/thumbs/2401.00001.webp?v=' in html
        and f'width="320" height="{image.height}" loading="lazy"' in html
    )
    assert 'class="pf-thumb pf-thumb--placeholder"' in html
    src = re.search(r'<img class="pf-thumb" src="([^"]+)"', html)[1]
    served = client.get(src)
    assert served.status_code == 200 and b"".join(served.streaming_content) == path.read_bytes()


def test_without_featured_only_every_paper_is_done_featured_first(pdf_server):
    PaperFactory(arxiv_id="2401.00003", published=timezone.now())
    FeaturedFactory(
        paper=PaperFactory(arxiv_id="2401.00004", published=timezone.now() - timedelta(days=9))
    )
    for arxiv_id in ("2401.00003", "2401.00004"):
        pdf_server.pdfs[arxiv_id] = (200, pdf_document())
    assert [p.arxiv_id for p in papers_needing_thumbnails(limit=5)] == ["2401.00004", "2401.00003"]
    assert thumbnails_build(limit=5).done == 2
    assert papers_needing_thumbnails(limit=5) == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((200, b"<html>This paper has been withdrawn</html>"), "not a PDF"),
        ((200, pdf_document(trailer=ENCRYPTED_TRAILER)), "encrypted"),
        ((200, b"%PDF-1.5\n\x00\x01 truncated"), "cannot be read"),
        ((404, b"Not Found"), "HTTP 404"),
        ((200, pdf_document() + b" " * 5_000), "larger than"),
    ],
)
def test_a_pdf_that_cannot_be_a_thumbnail_is_recorded_and_never_fetched_again(
    pdf_server, settings, answer, reason
):
    settings.PAPERFEED_THUMBNAIL_MAX_BYTES = 4_000
    paper = FeaturedFactory(paper=PaperFactory(arxiv_id="2401.00005")).paper
    pdf_server.pdfs["2401.00005"] = answer

    run = thumbnails_build(limit=10)

    assert (run.done, run.failed, run.stopped) == (0, 1, "")
    row = Thumbnail.objects.get(paper=paper)
    assert row.state == "failed" and reason in row.reason and row.retry_at is None
    assert not thumbnail_path("2401.00005").exists()
    thumbnails_build(limit=10)
    assert len(pdf_server.requests) == 1


def test_when_arxiv_fails_the_run_stops_and_the_paper_is_tried_later_a_few_times(pdf_server):
    for arxiv_id in ("2401.00006", "2401.00007"):
        FeaturedFactory(paper=PaperFactory(arxiv_id=arxiv_id))
        pdf_server.pdfs[arxiv_id] = (503, b"Service Unavailable")

    run = thumbnails_build(limit=10)

    # One failure is enough: no request for the next paper while arXiv struggles.
    assert run.failed == 1 and "HTTP 503" in run.stopped and len(pdf_server.requests) == 1
    row = Thumbnail.objects.get()
    assert row.retry_at is not None and row.retry_at > timezone.now() + timedelta(hours=5)
    assert thumbnails_build(limit=10, paper_ids=[row.pk]).failed == 0  # not due yet
    for attempt in range(2, MAX_ATTEMPTS + 1):
        Thumbnail.objects.filter(pk=row.pk).update(retry_at=timezone.now())
        thumbnails_build(limit=1, paper_ids=[row.pk])
        row.refresh_from_db()
        assert row.attempts == attempt
    # The last attempt gives up for good.
    assert row.retry_at is None
    pdf_server.pdfs[row.paper.arxiv_id] = (200, pdf_document())
    assert thumbnails_build(limit=1, paper_ids=[row.pk]).done == 0


def test_arxiv_is_asked_at_most_once_every_three_seconds(pdf_server, settings):
    for n in range(3):
        FeaturedFactory(paper=PaperFactory(arxiv_id=f"2401.0001{n}"))
        pdf_server.pdfs[f"2401.0001{n}"] = (200, pdf_document())
    now = [1000.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with PoliteClient(min_interval=3, clock=lambda: now[0], sleep=sleep) as client:
        assert thumbnails_build(limit=10, client=client).done == 3
    assert len(sleeps) == 2 and all(s >= 3 for s in sleeps)
    # The client the worker builds keeps arXiv's interval whatever the setting says.
    settings.ARXIV_PDF_URL = "https://arxiv.org/pdf"
    settings.ARXIV_REQUEST_INTERVAL = 0
    with pdf_client() as built:
        assert built.min_interval == 3
        assert built.max_bytes == settings.PAPERFEED_THUMBNAIL_MAX_BYTES
