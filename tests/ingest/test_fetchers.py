"""The HTTP fetchers, against recorded responses served by ``httpx.MockTransport``.

The clock and sleep are fake: nothing waits, and the spacing between requests is checked on the
fake clock. No test touches the network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from paperfeed.ingest.fetchers import (
    ARXIV_API_URL,
    ARXIV_OAI_URL,
    ArxivApiFetcher,
    FetchError,
    HfDailyFetcher,
    OaiFetcher,
    PoliteClient,
    SourceError,
    build_search_query,
    user_agent,
)
from paperfeed.papers.records import PaperRecord

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fetchers"
CONTACT = "ops@example.org"
WALL_NOW = datetime(2025, 1, 8, 12, 0, tzinfo=UTC).timestamp()

Handler = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def atom(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=fixture(name), headers={"Content-Type": "application/atom+xml"}
    )


def xml(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=fixture(name), headers={"Content-Type": "text/xml"})


def text(body: str, status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, text=body, headers=headers)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class Server:
    """Serves scripted responses in order and records when each request arrived."""

    def __init__(self, clock: FakeClock, script: list[httpx.Response | Exception | Handler]):
        self.clock = clock
        self.script = list(script)
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.now)
        assert self.script, f"unexpected extra request {request.url}"
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)

    @property
    def params(self) -> list[dict[str, str]]:
        return [
            {k: v[0] for k, v in parse_qs(r.url.query.decode(), keep_blank_values=True).items()}
            for r in self.requests
        ]

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.times, self.times[1:], strict=False)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(
    clock: FakeClock, script: list[httpx.Response | Exception | Handler], **options: object
) -> tuple[PoliteClient, Server]:
    server = Server(clock, script)
    settings: dict[str, object] = {
        "contact": CONTACT,
        "version": "1.2.3",
        "jitter": 0.0,
        "transport": httpx.MockTransport(server),
        "clock": clock,
        "sleep": clock.sleep,
        "wall_time": lambda: WALL_NOW,
    }
    settings.update(options)
    return PoliteClient(**settings), server  # type: ignore[arg-type]


def timeout() -> Handler:
    def raise_timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    return raise_timeout


QUERY = "(cat:cs.AI OR cat:cs.CL) AND submittedDate:[202501060000 TO 202501062359]"
WINDOW = {
    "categories": ["cs.AI", "cs.CL"],
    "submitted_from": date(2025, 1, 6),
    "submitted_until": date(2025, 1, 6),
}

# -- PoliteClient ------------------------------------------------------------------------------


def test_user_agent_names_project_version_and_contact() -> None:
    assert user_agent(CONTACT, version="1.2.3") == (
        "paperfeed/1.2.3 (+https://github.com/paperfeed; mailto:ops@example.org)"
    )
    assert user_agent("mailto:ops@example.org", version="1") == user_agent(CONTACT, version="1")
    assert user_agent("", version="1") == "paperfeed/1 (+https://github.com/paperfeed)"
    with pytest.raises(ValueError):
        user_agent("a@b.org\r\nX-Evil: 1", version="1")


def test_requests_carry_the_user_agent(clock: FakeClock) -> None:
    client, server = make_client(clock, [text("ok", 200)])
    client.get("https://example.org/x")
    assert server.requests[0].headers["User-Agent"] == (
        "paperfeed/1.2.3 (+https://github.com/paperfeed; mailto:ops@example.org)"
    )


def test_first_request_is_immediate_and_later_ones_are_spaced(clock: FakeClock) -> None:
    client, server = make_client(clock, [text("ok", 200)] * 4)
    client.get("https://example.org/a")
    assert clock.sleeps == []
    clock.now += 1.0  # the caller spent a second storing the page
    client.get("https://example.org/b")
    clock.now += 5.0  # more than the interval: no need to wait
    client.get("https://example.org/c")
    client.get("https://example.org/d")
    assert server.gaps == [3.0, 5.0, 3.0]
    assert clock.sleeps == [2.0, 3.0]


@pytest.mark.parametrize(
    "failure",
    [
        text("Internal Server Error", 500),
        text("<html>Service Unavailable</html>", 503),
        text("Bad Gateway", 502),
        text("Rate exceeded.", 200),
        text("Rate exceeded.", 503),
        httpx.ConnectError("connection refused"),
    ],
    ids=["500", "503", "502", "rate-exceeded-200", "rate-exceeded-503", "connect-error"],
)
def test_transient_failures_are_retried(clock: FakeClock, failure: object) -> None:
    client, server = make_client(clock, [failure, text("ok", 200)])  # type: ignore[list-item]
    assert client.get("https://example.org/x").content == b"ok"
    assert len(server.requests) == 2
    assert server.gaps[0] >= 3.0


def test_timeouts_are_retried(clock: FakeClock) -> None:
    client, server = make_client(clock, [timeout(), timeout(), text("ok", 200)])
    assert client.get("https://example.org/x").content == b"ok"
    assert len(server.requests) == 3


def test_backoff_is_exponential_and_bounded_then_gives_up(clock: FakeClock) -> None:
    client, server = make_client(
        clock, [text("oops", 500)] * 5, max_retries=4, base_delay=2.0, max_delay=10.0
    )
    with pytest.raises(FetchError) as caught:
        client.get("https://example.org/x", params={"q": "1"})
    # 2 s is under the 3 s interval; then 4, 8, and 16 capped at 10.
    assert server.gaps == [3.0, 4.0, 8.0, 10.0]
    error = caught.value
    assert "https://example.org/x?q=1" in str(error)
    assert "after 5 attempts" in str(error)
    assert "HTTP 500" in str(error)
    assert error.status == 500


def test_jitter_varies_the_backoff_within_bounds(clock: FakeClock) -> None:
    client, server = make_client(
        clock, [text("oops", 500)] * 3 + [text("ok", 200)], base_delay=10.0, jitter=0.2
    )
    client.get("https://example.org/x")
    for gap, nominal in zip(server.gaps, [10.0, 20.0, 40.0], strict=True):
        assert nominal * 0.8 <= gap <= nominal * 1.2


def test_rate_exceeded_waits_longer_than_plain_backoff(clock: FakeClock) -> None:
    client, server = make_client(
        clock, [text("Rate exceeded.", 200), text("ok", 200)], rate_exceeded_delay=15.0
    )
    client.get("https://export.arxiv.org/api/query")
    assert server.gaps == [15.0]


def test_retry_after_seconds_is_honoured(clock: FakeClock) -> None:
    client, server = make_client(
        clock,
        [text("slow down", 429, **{"Retry-After": "30"}), text("ok", 200)],
    )
    client.get("https://example.org/x")
    assert server.gaps == [30.0]


def test_retry_after_http_date_is_honoured(clock: FakeClock) -> None:
    when = format_datetime(datetime.fromtimestamp(WALL_NOW + 45, tz=UTC), usegmt=True)
    client, server = make_client(
        clock, [text("busy", 503, **{"Retry-After": when}), text("ok", 200)]
    )
    client.get("https://example.org/x")
    assert server.gaps == [45.0]


def test_retry_after_shorter_than_the_interval_still_keeps_the_interval(clock: FakeClock) -> None:
    client, server = make_client(
        clock, [text("busy", 503, **{"Retry-After": "1"}), text("ok", 200)]
    )
    client.get("https://example.org/x")
    assert server.gaps == [3.0]


def test_a_retry_after_beyond_the_limit_fails_clearly(clock: FakeClock) -> None:
    client, _ = make_client(
        clock, [text("busy", 503, **{"Retry-After": "86400"})], max_retry_after=600
    )
    with pytest.raises(FetchError, match="Retry-After"):
        client.get("https://example.org/x")
    assert clock.sleeps == []


def test_throttle_waits_have_their_own_budget(clock: FakeClock) -> None:
    busy = text("busy", 503, **{"Retry-After": "5"})
    client, _ = make_client(clock, [busy] * 6 + [text("ok", 200)], max_retries=1)
    assert client.get("https://example.org/x").content == b"ok"
    client2, _ = make_client(clock, [busy] * 3, max_throttle_waits=2)
    with pytest.raises(FetchError, match="after 3 attempts"):
        client2.get("https://example.org/x")


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_client_errors_fail_at_once_with_a_clear_message(clock: FakeClock, status: int) -> None:
    client, server = make_client(clock, [text("<html><body>Nope</body></html>", status)])
    with pytest.raises(FetchError) as caught:
        client.get("https://example.org/missing")
    assert len(server.requests) == 1
    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert "https://example.org/missing" in message
    assert "Nope" in message
    assert caught.value.status == status


def test_a_400_with_an_atom_error_says_what_arxiv_said(clock: FakeClock) -> None:
    client, _ = make_client(clock, [atom("arxiv_api_error.xml", status=400)])
    with pytest.raises(FetchError, match="max_results must be less than or equal to 2000"):
        client.get(ARXIV_API_URL)


def test_oversized_responses_are_refused(clock: FakeClock) -> None:
    client, _ = make_client(clock, [text("x" * 100, 200)], max_bytes=50)
    with pytest.raises(FetchError, match="larger than 50 bytes"):
        client.get("https://example.org/big")


# -- arXiv API ---------------------------------------------------------------------------------


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


# -- OAI-PMH -----------------------------------------------------------------------------------


def test_oai_follows_resumption_tokens(clock: FakeClock) -> None:
    client, server = make_client(
        clock, [xml("oai_arXivRaw_page1.xml"), xml("oai_arXivRaw_page2.xml")]
    )
    pages = list(
        OaiFetcher(client).iter_pages(
            metadata_prefix="arXivRaw",
            set_spec="cs:cs:AI",
            date_from=date(2025, 1, 7),
            date_until=date(2025, 1, 7),
        )
    )
    assert [page.resumption_token for page in pages] == ["6961524|1001", None]
    assert [len(page.records) for page in pages] == [2, 1]
    assert str(server.requests[0].url).startswith(ARXIV_OAI_URL + "?")
    assert server.params == [
        {
            "verb": "ListRecords",
            "metadataPrefix": "arXivRaw",
            "set": "cs:cs:AI",
            "from": "2025-01-07",
            "until": "2025-01-07",
        },
        {"verb": "ListRecords", "resumptionToken": "6961524|1001"},
    ]
    assert server.gaps == [3.0]


def test_oai_optional_arguments_are_left_out(clock: FakeClock) -> None:
    client, server = make_client(clock, [xml("oai_arXivRaw_page2.xml")])
    list(
        OaiFetcher(client).iter_pages(
            metadata_prefix="arXiv", set_spec=None, date_from=None, date_until=None
        )
    )
    assert server.params == [{"verb": "ListRecords", "metadataPrefix": "arXiv"}]


def test_oai_resumes_from_a_checkpointed_token(clock: FakeClock) -> None:
    client, server = make_client(clock, [xml("oai_arXivRaw_page2.xml")])
    pages = list(
        OaiFetcher(client).iter_pages(
            metadata_prefix="arXivRaw",
            set_spec="cs:cs:AI",
            date_from=date(2025, 1, 7),
            date_until=None,
            resumption_token="6961524|1001",
        )
    )
    assert len(pages) == 1
    assert server.params == [{"verb": "ListRecords", "resumptionToken": "6961524|1001"}]


def test_oai_caller_can_stop_and_resume_with_the_yielded_token(clock: FakeClock) -> None:
    client, server = make_client(
        clock, [xml("oai_arXivRaw_page1.xml"), xml("oai_arXivRaw_page2.xml")]
    )
    fetcher = OaiFetcher(client)
    first = next(iter(fetcher.iter_pages(metadata_prefix="arXivRaw", set_spec="cs:cs:AI")))
    checkpoint = first.resumption_token
    assert checkpoint is not None
    rest = list(fetcher.iter_pages(resumption_token=checkpoint))
    assert [len(p.records) for p in rest] == [1]
    assert server.params[1] == {"verb": "ListRecords", "resumptionToken": checkpoint}


def test_oai_503_retry_after_is_flow_control(clock: FakeClock) -> None:
    busy = httpx.Response(
        503, headers={"Retry-After": "20", "Content-Type": "text/html"}, text="Retry later"
    )
    client, server = make_client(
        clock,
        [xml("oai_arXivRaw_page1.xml"), busy, busy, xml("oai_arXivRaw_page2.xml")],
        max_retries=0,
    )
    pages = list(OaiFetcher(client).iter_pages(metadata_prefix="arXivRaw", set_spec="cs:cs:AI"))
    assert len(pages) == 2
    assert server.gaps == [3.0, 20.0, 20.0]


def test_oai_expired_token_is_a_source_error_with_its_code(clock: FakeClock) -> None:
    client, _ = make_client(clock, [xml("oai_badResumptionToken.xml")])
    with pytest.raises(SourceError) as caught:
        list(OaiFetcher(client).iter_pages(resumption_token="6961524|1001"))
    assert caught.value.code == "badResumptionToken"
    assert "oaipmh.arxiv.org/oai" in str(caught.value)


def test_oai_no_records_match_is_an_empty_harvest(clock: FakeClock) -> None:
    client, server = make_client(clock, [xml("oai_noRecordsMatch.xml")])
    pages = list(
        OaiFetcher(client).iter_pages(
            metadata_prefix="arXivRaw", set_spec="cs:cs:AI", date_from=date(2025, 1, 4)
        )
    )
    assert [(len(p.records), p.resumption_token) for p in pages] == [(0, None)]
    assert len(server.requests) == 1


def test_oai_a_repeated_token_does_not_loop_forever(clock: FakeClock) -> None:
    client, _ = make_client(clock, [xml("oai_arXivRaw_page1.xml")] * 3)
    with pytest.raises(FetchError, match="twice"):
        list(OaiFetcher(client).iter_pages(metadata_prefix="arXivRaw", set_spec="cs:cs:AI"))


def test_oai_rejects_bad_arguments(clock: FakeClock) -> None:
    client, server = make_client(clock, [])
    fetcher = OaiFetcher(client)
    with pytest.raises(ValueError):
        list(fetcher.iter_pages(metadata_prefix="oai_dc"))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        list(fetcher.iter_pages(date_from=date(2025, 1, 8), date_until=date(2025, 1, 7)))
    assert server.requests == []


# -- Hugging Face daily papers -----------------------------------------------------------------


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
