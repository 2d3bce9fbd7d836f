"""The HTTP fetchers, against recorded responses served by ``httpx.MockTransport``.

The clock and sleep are fake: nothing waits, and the spacing between requests is checked on the
fake clock. No test touches the network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from paperfeed.ingest.fetchers import ARXIV_API_URL, FetchError, user_agent
from tests.ingest.fetchers.conftest import (
    CONTACT,
    WALL_NOW,
    FakeClock,
    atom,
    make_client,
    text,
    timeout,
)


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
