"""Papers imported without an abstract, and a loopback arXiv API to complete them from."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from paperfeed.ingest import services
from paperfeed.papers.records import PaperRecord

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
