"""Papers imported without an abstract, and a loopback arXiv API to complete them from."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from paperfeed.ingest import services
from paperfeed.papers.records import PaperRecord
from tests.loopback import QuietHandler, serving

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


class PdfServer:
    """What the loopback PDF server answers: ``pdfs[arxiv_id] = (status, body)``; every
    request path in ``requests``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pdfs: dict[str, tuple[int, bytes]] = {}
        self.requests: list[str] = []


@pytest.fixture
def pdf_server(settings, tmp_path):
    """A loopback stand-in for arxiv.org/pdf (never the internet), thumbnails under tmp_path."""
    state: dict[str, PdfServer] = {}

    class Handler(QuietHandler):
        def do_GET(self):
            server = state["server"]
            server.requests.append(self.path)
            arxiv_id = self.path.removeprefix("/pdf/")
            status, body = server.pdfs.get(arxiv_id, (404, b"Not Found"))
            kind = "application/pdf" if status == 200 else "text/plain"
            self.reply(status, body, {"Content-Type": kind})

    with serving(Handler) as url:
        state["server"] = PdfServer(url)
        settings.ARXIV_PDF_URL = state["server"].url + "/pdf"
        settings.ARXIV_REQUEST_INTERVAL = 0
        settings.PAPERFEED_FETCH_RETRIES = 0
        settings.PAPERFEED_THUMBNAIL_DIR = tmp_path / "thumbs"
        yield state["server"]
