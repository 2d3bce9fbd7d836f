"""The HTTP fetchers, against recorded responses served by ``httpx.MockTransport``.

The clock and sleep are fake: nothing waits, and the spacing between requests is checked on the
fake clock. No test touches the network.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from paperfeed.ingest.fetchers import ARXIV_OAI_URL, FetchError, OaiFetcher, SourceError
from tests.ingest.fetchers.conftest import FakeClock, make_client, xml


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
