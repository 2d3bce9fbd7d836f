"""Shared by the fetcher tests: recorded responses, a fake clock and a scripted server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from paperfeed.ingest.fetchers import PoliteClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fetchers"
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
