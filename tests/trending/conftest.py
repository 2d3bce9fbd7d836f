"""A real loopback HTTP server that replays recorded GitHub answers, route by route."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.loopback import QuietHandler, serving

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"


class ReplayServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[str]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.reset_at = int(time.time()) + 5
        self.url = ""  # set once it is served

    def on(self, path: str, *fixtures: str) -> None:
        """Answer GET ``path`` with these fixtures in turn (the last one repeats)."""
        self.routes[path] = list(fixtures)

    def _answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        queue = self.routes.get(path) or self.routes.get(path.split("?")[0])
        if not queue:
            return 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'
        name = queue.pop(0) if len(queue) > 1 else queue[0]
        data = json.loads((FIXTURES / name).read_text())
        headers = {
            key: value.replace("HOST", self.url.removeprefix("http://")).replace(
                "RESET", str(self.reset_at)
            )
            for key, value in data["headers"].items()
        }
        body = data["body"]
        raw = (
            b"" if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
        )
        return data["status"], headers, raw

    def handler(self) -> type[QuietHandler]:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                status, headers, body = server._answer(self.path)
                self.reply(status, body, headers)

        return Handler


@pytest.fixture
def github_server():
    server = ReplayServer()
    with serving(server.handler()) as url:
        server.url = url
        yield server


@pytest.fixture
def sleeps():
    """A sleep that records instead of waiting, so backoff is asserted without slowing tests."""
    calls: list[float] = []
    return calls


@pytest.fixture
def client_for(github_server, sleeps):
    from paperfeed.trending.github import GitHubClient

    def make(**options):  # type: ignore[no-untyped-def]
        options.setdefault("max_wait", 60.0)
        return GitHubClient(base_url=github_server.url, sleep=sleeps.append, **options)

    return make


@pytest.fixture
def scored_catalogue(db):
    """Three papers as of 11 Apr 2026: ``hot`` (20 upvotes on its featured day, 10 Apr),
    ``starry`` (2 upvotes, its repository +2,200 stars since 3 Apr) and ``stale`` (300 upvotes
    when featured on 1 Mar, nothing since)."""
    from datetime import UTC, date, datetime

    from paperfeed.trending.models import Repository, StarSnapshot
    from tests.factories import catalogue_paper

    as_of_day = date(2026, 4, 10)
    hot = catalogue_paper(
        "2604.00011",
        featured_on=as_of_day,
        featured_upvotes=20,
        published=datetime(2026, 4, 9, tzinfo=UTC),
    )
    starry = catalogue_paper(
        "2604.00012",
        featured_on=as_of_day,
        featured_upvotes=2,
        published=datetime(2026, 4, 9, tzinfo=UTC),
        code_url="https://github.com/acme/rocket",
        categories=("cs.CV",),
    )
    stale = catalogue_paper(
        "2603.00013",
        featured_on=date(2026, 3, 1),
        featured_upvotes=300,
        published=datetime(2026, 2, 27, tzinfo=UTC),
    )
    repo = Repository.objects.create(
        key="github.com/acme/rocket", host="github.com", full_name="acme/rocket"
    )
    for day, stars in ((1, 100), (3, 900), (10, 3100)):
        StarSnapshot.objects.create(
            repository=repo, stars=stars, taken_at=datetime(2026, 4, day, tzinfo=UTC)
        )
    return hot, starry, stale
