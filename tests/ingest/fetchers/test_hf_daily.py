"""The HTTP fetchers, against recorded responses served by ``httpx.MockTransport``.

The clock and sleep are fake: nothing waits, and the spacing between requests is checked on the
fake clock. No test touches the network.
"""

from __future__ import annotations

from datetime import date

import httpx

from paperfeed.ingest.fetchers import HfDailyFetcher
from paperfeed.papers.records import PaperRecord
from tests.ingest.fetchers.conftest import FakeClock, fixture, make_client, text


def test_hf_fetch_day_and_records(clock: FakeClock) -> None:
    body = fixture("hf_daily_papers_2026-03-06.json")
    json_response = httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    client, server = make_client(clock, [json_response, json_response], min_interval=1.0)
    fetcher = HfDailyFetcher(client)

    assert fetcher.fetch_day(date(2026, 3, 6)) == body
    records = fetcher.records_for_day(date(2026, 3, 6))

    assert str(server.requests[0].url) == "https://huggingface.co/api/daily_papers?date=2026-03-06"
    assert server.gaps == [1.0]
    papers = [r for r in records if isinstance(r, PaperRecord)]
    assert [p.arxiv_id for p in papers] == ["2603.01001", "2603.01002"]


def test_hf_base_url_is_configurable_and_retries_apply(clock: FakeClock) -> None:
    client, server = make_client(
        clock,
        [text("busy", 429, **{"Retry-After": "2"}), httpx.Response(200, content=b"[]")],
        min_interval=1.0,
    )
    fetcher = HfDailyFetcher(client, base_url="http://hf-mirror.test/")
    assert fetcher.records_for_day(date(2026, 3, 7)) == []
    assert str(server.requests[1].url) == "http://hf-mirror.test/api/daily_papers?date=2026-03-07"
    assert server.gaps == [2.0]
