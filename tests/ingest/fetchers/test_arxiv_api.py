"""The HTTP fetchers, against recorded responses served by ``httpx.MockTransport``.

The clock and sleep are fake: nothing waits, and the spacing between requests is checked on the
fake clock. No test touches the network.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from paperfeed.ingest.fetchers import ArxivApiFetcher, OaiFetcher, SourceError, build_search_query
from paperfeed.papers.records import PaperRecord
from tests.ingest.fetchers.conftest import FakeClock, atom, fixture, make_client, text, timeout

QUERY = "(cat:cs.AI OR cat:cs.CL) AND submittedDate:[202501060000 TO 202501062359]"


WINDOW = {
    "categories": ["cs.AI", "cs.CL"],
    "submitted_from": date(2025, 1, 6),
    "submitted_until": date(2025, 1, 6),
}


def test_search_query_shape() -> None:
    assert build_search_query(["cs.AI", "cs.CL"], date(2025, 1, 6), date(2025, 1, 31)) == (
        "(cat:cs.AI OR cat:cs.CL) AND submittedDate:[202501060000 TO 202501312359]"
    )
    assert build_search_query([" q-bio.NC "], date(2025, 1, 6), date(2025, 1, 6)).startswith(
        "(cat:q-bio.NC) AND"
    )
    with pytest.raises(ValueError):
        build_search_query(["cs.AI) OR (all:x"], date(2025, 1, 6), date(2025, 1, 6))
    with pytest.raises(ValueError):
        build_search_query(["CS.AI"], date(2025, 1, 6), date(2025, 1, 6))
    with pytest.raises(ValueError):
        build_search_query([], date(2025, 1, 6), date(2025, 1, 6))
    with pytest.raises(ValueError):
        build_search_query(["cs.AI"], date(2025, 1, 7), date(2025, 1, 6))


def test_api_pages_until_total_results_with_3s_spacing(clock: FakeClock) -> None:
    client, server = make_client(clock, [atom("arxiv_api_page1.xml"), atom("arxiv_api_page2.xml")])
    pages = list(ArxivApiFetcher(client).iter_pages(**WINDOW, page_size=2))  # type: ignore[arg-type]

    assert [len(page.records) for page in pages] == [2, 1]
    assert pages[0].total_results == 3
    ids = [r.arxiv_id for page in pages for r in page.records if isinstance(r, PaperRecord)]
    assert ids == ["2501.03001", "2501.03002", "2501.03003"]
    assert len(server.requests) == 2
    assert all(gap >= 3.0 for gap in server.gaps)
    assert str(server.requests[0].url).startswith("https://export.arxiv.org/api/query?")
    assert server.params == [
        {
            "search_query": QUERY,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
            "start": "0",
            "max_results": "2",
        },
        {
            "search_query": QUERY,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
            "start": "2",
            "max_results": "2",
        },
    ]


def test_api_page_size_is_capped_and_start_is_resumable(clock: FakeClock) -> None:
    client, server = make_client(clock, [atom("arxiv_api_page2.xml")])
    pages = list(
        ArxivApiFetcher(client).iter_pages(**WINDOW, page_size=5000, start=2)  # type: ignore[arg-type]
    )
    assert len(pages) == 1
    assert server.params[0]["max_results"] == "2000"
    assert server.params[0]["start"] == "2"


def test_api_no_results_is_one_empty_page(clock: FakeClock) -> None:
    client, server = make_client(clock, [atom("arxiv_api_empty.xml")])
    pages = list(ArxivApiFetcher(client).iter_pages(**WINDOW))  # type: ignore[arg-type]
    assert [(len(p.records), p.total_results) for p in pages] == [(0, 0)]
    assert len(server.requests) == 1


def test_api_spurious_empty_page_is_asked_again(clock: FakeClock) -> None:
    # A known arXiv quirk: an empty page although total_results says there is more.
    empty_but_more = fixture("arxiv_api_page2.xml").split(b"<entry>")[0] + b"</feed>\n"
    client, server = make_client(
        clock,
        [
            atom("arxiv_api_page1.xml"),
            httpx.Response(200, content=empty_but_more),
            atom("arxiv_api_page2.xml"),
        ],
    )
    pages = list(ArxivApiFetcher(client).iter_pages(**WINDOW, page_size=2))  # type: ignore[arg-type]
    assert [len(page.records) for page in pages] == [2, 1]
    assert [p["start"] for p in server.params] == ["0", "2", "2"]


def test_api_stops_when_the_empty_page_persists(clock: FakeClock) -> None:
    empty_but_more = fixture("arxiv_api_page2.xml").split(b"<entry>")[0] + b"</feed>\n"
    client, server = make_client(
        clock,
        [atom("arxiv_api_page1.xml")] + [httpx.Response(200, content=empty_but_more)] * 3,
    )
    fetcher = ArxivApiFetcher(client, empty_page_retries=2)
    pages = list(fetcher.iter_pages(**WINDOW, page_size=2))  # type: ignore[arg-type]
    assert [len(page.records) for page in pages] == [2, 0]
    assert len(server.requests) == 4


def test_api_retries_mid_harvest(clock: FakeClock) -> None:
    client, server = make_client(
        clock,
        [
            atom("arxiv_api_page1.xml"),
            httpx.Response(503, content=fixture("arxiv_rate_exceeded.txt")),
            timeout(),
            atom("arxiv_api_page2.xml"),
        ],
    )
    pages = list(ArxivApiFetcher(client).iter_pages(**WINDOW, page_size=2))  # type: ignore[arg-type]
    assert sum(len(page.records) for page in pages) == 3
    assert [p["start"] for p in server.params] == ["0", "2", "2", "2"]
    assert all(gap >= 3.0 for gap in server.gaps)


def test_api_error_entry_is_a_clear_source_error(clock: FakeClock) -> None:
    client, server = make_client(clock, [atom("arxiv_api_error.xml")])
    with pytest.raises(SourceError) as caught:
        list(ArxivApiFetcher(client).iter_pages(**WINDOW))  # type: ignore[arg-type]
    assert "max_results must be less than or equal to 2000" in str(caught.value)
    assert "export.arxiv.org/api/query" in str(caught.value)
    assert len(server.requests) == 1  # an error entry is not retried


def test_api_garbage_body_is_a_source_error(clock: FakeClock) -> None:
    client, _ = make_client(clock, [text("<html><body>maintenance</body>", 200)])
    with pytest.raises(SourceError):
        list(ArxivApiFetcher(client).iter_pages(**WINDOW))  # type: ignore[arg-type]


def test_fetch_ids_uses_id_list_and_asks_for_all_of_them(clock: FakeClock) -> None:
    client, server = make_client(clock, [atom("arxiv_api_id_list.xml")])
    page = ArxivApiFetcher(client).fetch_ids(
        ["arXiv:2501.03002", "https://arxiv.org/abs/2501.09999v3", "2501.03002"]
    )
    assert [r.arxiv_id for r in page.records if isinstance(r, PaperRecord)] == ["2501.03002"]
    assert server.params == [{"id_list": "2501.03002,2501.09999v3", "max_results": "2"}]


def test_fetch_ids_rejects_non_ids_before_any_request(clock: FakeClock) -> None:
    client, server = make_client(clock, [])
    fetcher = ArxivApiFetcher(client)
    with pytest.raises(ValueError):
        fetcher.fetch_ids(["not an id"])
    with pytest.raises(ValueError):
        fetcher.fetch_ids([])
    assert server.requests == []


def test_arxiv_fetchers_refuse_a_client_faster_than_3s(clock: FakeClock) -> None:
    client, _ = make_client(clock, [], min_interval=1.0)
    with pytest.raises(ValueError, match="3 s"):
        ArxivApiFetcher(client)
    with pytest.raises(ValueError, match="3 s"):
        OaiFetcher(client)
    ArxivApiFetcher(client, base_url="http://localhost:8001/api/query")  # a local mirror
