"""What gunicorn serves (paperfeed/wsgi.py): core/replay.ReplayApplication in front of Django's
WSGI handler hands over the status line, every header in order and the body the handler gives,
without entering it; the same keys as the middleware; rate limits counting every replay."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from paperfeed.core import replay
from tests.core.test_replay import papers  # noqa: F401 - the fixture
from tests.helpers import served_wsgi_module

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _caches(settings):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 30
    settings.PAPERFEED_FEED_CACHE_SECONDS = 30
    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0
    settings.PAPERFEED_REPLAY_MB = 8
    settings.PAPERFEED_RATE_API_READ_IP = "1000/m"


@contextmanager
def _test_connection_kept() -> Iterator[None]:
    # As Django's test client: the request signals would close the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Site:
    """ReplayApplication around Django's handler, counting the requests the handler gets."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.entered = 0
        self.app = replay.ReplayApplication(self._inner)

    def _inner(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.entered += 1
        return self.handler(environ, start_response)

    def get(self, path: str, method: str = "GET", **extra: str) -> tuple[str, list, bytes, bool]:
        """(status line, headers, body, whether the handler was entered)."""
        path_info, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "HTTP_HOST": "testserver",
            "REMOTE_ADDR": "127.0.0.1",
            **extra,
        }
        started: list = []
        before = self.entered
        with _test_connection_kept():
            answer = self.app(
                environ, lambda status, headers, *_: started.append((status, headers))
            )
            body = b"".join(answer)
            if hasattr(answer, "close"):
                answer.close()
        return started[0][0], started[0][1], body, self.entered > before


def full_stack(settings, site: Site, path: str, **extra: str):
    settings.PAPERFEED_REPLAY_MB = 0
    try:
        return site.get(path, **extra)
    finally:
        settings.PAPERFEED_REPLAY_MB = 8


@pytest.mark.parametrize(
    "path",
    [
        "/papers",
        "/papers/new",
        "/papers/trending",
        "/papers/2602.00201",
        "/feeds/daily.rss",
        "/api/daily_papers",
        "/api/papers/2602.00201",
    ],
)
def test_a_replay_hands_the_server_what_the_handler_would(papers, settings, path):  # noqa: F811
    site = Site()
    built = site.get(path)
    assert built[3] and built[0] == "200 OK"
    again = site.get(path)
    assert not again[3]
    stack = full_stack(settings, site, path)
    assert stack[3]
    assert again[:3] == stack[:3]
    assert again[:3] == built[:3]
    # The setting change forgot the kept answers: the next answer is kept again.
    site.get(path)
    assert not site.get(path)[3]


def test_a_feeds_304_and_head_are_replayed_as_the_handler_answers_them(papers, settings):  # noqa: F811
    site = Site()
    path = "/feeds/daily.atom"
    first = site.get(path)
    etag = dict(first[1])["ETag"]
    built = site.get(path, HTTP_IF_NONE_MATCH=etag)
    assert built[0] == "304 Not Modified"
    again = site.get(path, HTTP_IF_NONE_MATCH=etag)
    assert not again[3]
    assert again[:3] == built[:3]
    assert site.get(path, HTTP_IF_NONE_MATCH='"other"')[0] == "200 OK"
    head = site.get(path, method="HEAD")
    replayed_head = site.get(path, method="HEAD")
    assert not replayed_head[3]
    assert replayed_head[:2] == head[:2]


def test_cookies_tokens_and_bodies_enter_the_handler(papers):  # noqa: F811
    site = Site()
    site.get("/papers")
    assert not site.get("/papers")[3]
    assert site.get("/papers", HTTP_COOKIE="csrftoken=abc")[3]
    assert site.get("/papers", HTTP_AUTHORIZATION="Bearer x")[3]
    assert site.get("/papers", CONTENT_LENGTH="4")[3]
    assert site.get("/papers", method="POST")[3]
    assert site.get("/papers", HTTP_HOST="localhost")[3]
    assert site.get("/papers?x=1")[3]


def test_the_rate_limit_counts_every_replay_before_the_handler(papers, settings):  # noqa: F811
    settings.PAPERFEED_RATE_API_READ_IP = "3/m"
    # Its four requests count in one window: tests/conftest.py holds django-ratelimit's clock.
    site = Site()
    answers = [site.get("/api/papers/2602.00201") for _ in range(4)]
    assert [a[0][:3] for a in answers] == ["200", "200", "200", "429"]
    assert [a[3] for a in answers] == [True, False, False, True]
    assert int(dict(answers[3][1])["Retry-After"]) >= 1


def test_both_layers_compute_the_same_key_for_an_encoded_path():
    # A UTF-8 path reaches WSGI as Latin-1 text; Django's request decodes it in place.
    environ = {
        "REQUEST_METHOD": "get",
        "PATH_INFO": "/authors/caf\xc3\xa9",
        "QUERY_STRING": "a=%C3%A9",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }
    raw = dict(environ)
    request = WSGIRequest(environ)
    assert request.META["PATH_INFO"] == "/authors/café"
    from_request = replay._base_key(request.method or "", request.META)
    meta = {
        **raw,
        "PATH_INFO": replay.get_path_info(raw) or "/",
        "SCRIPT_NAME": replay.get_script_name(raw),
    }
    assert replay._base_key("GET", meta) == from_request


def test_the_served_application_is_the_replay():
    application = served_wsgi_module().application

    assert isinstance(application, replay.ReplayApplication)
