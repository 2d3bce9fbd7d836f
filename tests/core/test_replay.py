"""The outermost early path (paperfeed/core/replay.py): a fresh anonymous answer replayed whole,
with the status, bytes and every header the full stack gives; nothing per reader is replayed to
another, and the API's rate limits count every replay."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from paperfeed.core import caching, replay
from paperfeed.papers.models import Author
from paperfeed.papers.templatetags.papers_tags import author_url
from tests.core.test_caching import Clock
from tests.factories import UserFactory, catalogue_paper

pytestmark = pytest.mark.django_db

DAY = date(2026, 2, 3)
PAGES = [
    "/",
    "/papers",
    "/papers/new",
    "/papers/trending",
    "/papers/date/2026-02-03",
    "/papers/week/2026-W06",
    "/papers/month/2026-02",
    "/papers/2602.00201",
    "AUTHOR",  # the first author's page (its id differs between databases)
    "/search?q=attention",
    "/papers/new?page=2",
]
FEEDS = ["/feeds/daily.rss", "/feeds/daily.atom", "/feeds/new.atom", "/feeds/trending.rss"]
API = ["/api/daily_papers", "/api/daily_papers?date=2026-02-03", "/api/papers/2602.00201"]


@pytest.fixture(autouse=True)
def _caches(settings):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 30
    settings.PAPERFEED_FEED_CACHE_SECONDS = 30
    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0
    settings.PAPERFEED_REPLAY_MB = 8
    settings.PAPERFEED_RATE_API_READ_IP = "1000/m"


@pytest.fixture
def papers():
    catalogue_paper(
        "2602.00201",
        title="Scaling attention",
        authors=("Person 1", "Person 2"),
        featured_on=DAY,
        featured_upvotes=12,
    )
    catalogue_paper("2602.00202", title="Second paper", featured_on=DAY, featured_upvotes=4)


def replayed(response) -> bool:
    # django-csp (third in the stack) gives every request it sees a nonce attribute; a replay
    # is answered before it.
    return not hasattr(response.wsgi_request, "csp_nonce")


def headers(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


def full_stack(settings, path: str, **extra):
    """The answer with the replay off (the shared copy still serves it)."""
    settings.PAPERFEED_REPLAY_MB = 0
    try:
        return Client().get(path, **extra)
    finally:
        settings.PAPERFEED_REPLAY_MB = 8


def assert_same(one, other) -> None:
    assert one.status_code == other.status_code
    assert one.content == other.content
    assert headers(one) == headers(other)


@pytest.mark.parametrize("path", PAGES + FEEDS + API)
def test_a_replay_has_the_full_stacks_status_bytes_and_every_header(papers, settings, path):
    if path == "AUTHOR":
        author = Author.objects.get(name="Person 1")
        path = author_url(author.pk, author.name)
    built = Client().get(path)
    assert built.status_code == 200
    assert not replayed(built)
    again = Client().get(path)
    assert replayed(again)
    assert_same(again, built)
    stack = full_stack(settings, path)
    assert not replayed(stack)
    assert_same(again, stack)
    if not path.startswith("/api/"):
        assert "content-security-policy" in headers(again)
    assert headers(again)["x-frame-options"] == "DENY"


def test_conditional_feed_requests_get_the_full_stacks_304_and_never_the_wrong_answer(
    papers, settings
):
    path = "/feeds/daily.atom"
    first = Client().get(path)
    etag, modified = first["ETag"], first["Last-Modified"]
    for name, value in (("HTTP_IF_NONE_MATCH", etag), ("HTTP_IF_MODIFIED_SINCE", modified)):
        built = Client().get(path, **{name: value})
        assert built.status_code == 304
        again = Client().get(path, **{name: value})
        assert replayed(again)
        assert_same(again, built)
        assert_same(again, full_stack(settings, path, **{name: value}))
    # Another validator is another request: the 304 kept for the first is not its answer.
    other = Client().get(path, HTTP_IF_NONE_MATCH='"other"')
    assert other.status_code == 200
    assert other.content == first.content
    assert Client().get(path).status_code == 200
    plain = Client().get(path)
    assert replayed(plain)
    assert plain.status_code == 200 and plain.content == first.content
    stale_validator = Client().get(path, HTTP_IF_NONE_MATCH='"other"')
    assert replayed(stale_validator) and stale_validator.status_code == 200


def test_head_is_replayed_as_the_full_stack_answers_it(papers, settings):
    path = "/feeds/daily.rss"
    Client().get(path)
    built = Client().head(path)
    again = Client().head(path)
    assert replayed(again)
    assert_same(again, built)
    assert_same(again, full_stack_head(settings, path))
    # Pages answer HEAD in the view (no shared copy): never replayed.
    Client().get("/papers/new")
    Client().head("/papers/new")
    assert not replayed(Client().head("/papers/new"))


def full_stack_head(settings, path):
    settings.PAPERFEED_REPLAY_MB = 0
    try:
        return Client().head(path)
    finally:
        settings.PAPERFEED_REPLAY_MB = 8


def test_cookies_tokens_members_bodies_and_posts_never_get_a_replay(papers):
    Client().get("/papers")
    assert replayed(Client().get("/papers"))
    with_cookie = Client()
    with_cookie.cookies["csrftoken"] = "x" * 32
    assert not replayed(with_cookie.get("/papers"))
    session = Client()
    session.cookies["sessionid"] = "not-a-session"
    assert not replayed(session.get("/papers"))
    assert not replayed(Client().get("/papers", HTTP_AUTHORIZATION="Bearer x"))
    member = Client()
    member.force_login(UserFactory(username="reader"))
    page = member.get("/papers")
    assert not replayed(page)
    assert b"reader" in page.content
    posted = Client(enforce_csrf_checks=True).post("/papers")
    assert not replayed(posted)
    assert not replayed(Client().get("/papers", CONTENT_LENGTH="3", data=None))


def test_other_query_strings_hosts_and_accept_headers_are_other_answers(papers, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    Client().get("/papers/new")
    assert not replayed(Client().get("/papers/new?category=cs.LG"))
    assert not replayed(Client().get("/papers/new", HTTP_HOST="other.example"))
    assert not replayed(Client().get("/papers/new", secure=True))
    assert replayed(Client().get("/papers/new"))
    # A paper page varies on Accept (Markdown by negotiation): each Accept is its own answer.
    html = Client().get("/papers/2602.00201", HTTP_ACCEPT="text/html")
    assert "Accept" in html["Vary"]
    assert replayed(Client().get("/papers/2602.00201", HTTP_ACCEPT="text/html"))
    markdown = Client().get("/papers/2602.00201", HTTP_ACCEPT="text/markdown")
    assert not replayed(markdown)
    assert markdown["Content-Type"].startswith("text/markdown")
    assert not replayed(Client().get("/papers/2602.00201"))


def test_a_host_the_site_refuses_is_refused_even_after_a_replay(papers):
    Client().get("/papers")
    assert replayed(Client().get("/papers"))
    assert Client().get("/papers", HTTP_HOST="evil.example").status_code == 400


def test_not_found_pages_and_errors_are_not_replayed(papers):
    Client().get("/papers/2602.99999")
    missing = Client().get("/papers/2602.99999")
    assert missing.status_code == 404
    assert not replayed(missing)


def test_a_stale_copy_is_not_replayed(papers, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(caching.time, "time", clock.time)
    Client().get("/papers/new")
    assert replayed(Client().get("/papers/new"))
    clock.now += 29
    assert replayed(Client().get("/papers/new"))
    clock.now += 2
    assert not replayed(Client().get("/papers/new"))


def test_the_replay_lasts_no_longer_than_the_copy_it_was_made_from(papers, monkeypatch):
    # An answer served from a copy built 20 s earlier is replayed for the 10 s the copy has
    # left, not for a whole interval of its own.
    clock = Clock()
    monkeypatch.setattr(caching.time, "time", clock.time)
    Client().get("/papers/new")
    clock.now += 20
    replay.forget_all()  # another process: the shared copy is there, no replay yet
    assert not replayed(Client().get("/papers/new"))
    assert replayed(Client().get("/papers/new"))
    clock.now += 11
    assert not replayed(Client().get("/papers/new"))


def test_the_api_rate_limit_counts_every_replayed_answer(papers, settings):
    settings.PAPERFEED_RATE_API_READ_IP = "3/m"
    answers = [Client().get("/api/papers/2602.00201") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [replayed(a) for a in answers[:3]] == [False, True, True]
    assert int(answers[3]["Retry-After"]) >= 1
    # Another client address counts apart and is answered by the replay.
    other = Client(REMOTE_ADDR="10.0.0.9").get("/api/papers/2602.00201")
    assert other.status_code == 200 and replayed(other)


def test_an_answer_that_sets_a_cookie_is_never_kept():
    calls = []

    def view(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        replay.replayable(request, until=caching.time.time() + 30)
        response = HttpResponse(b"page")
        response.set_cookie("csrftoken", "per-reader")
        return response

    middleware = replay.ReplayMiddleware(view)
    factory = RequestFactory()
    for _ in range(2):
        response = middleware(factory.get("/x"))
        assert response.cookies["csrftoken"].value == "per-reader"
    assert len(calls) == 2


def test_unmarked_answers_are_never_kept():
    calls = []

    def view(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        return HttpResponse(b"page")

    middleware = replay.ReplayMiddleware(view)
    middleware(RequestFactory().get("/x"))
    middleware(RequestFactory().get("/x"))
    assert len(calls) == 2


def test_the_store_keeps_at_most_its_bound_oldest_out_first(settings):
    settings.PAPERFEED_REPLAY_MB = 1
    calls: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        calls.append(request.path)
        replay.replayable(request, until=caching.time.time() + 30)
        return HttpResponse(b"x" * 100_000)

    middleware = replay.ReplayMiddleware(view)
    factory = RequestFactory()
    for number in range(20):
        middleware(factory.get(f"/p{number}"))
    assert replay._store.size <= 2**20
    middleware(factory.get("/p19"))  # kept
    middleware(factory.get("/p0"))  # pushed out
    assert calls[20:] == ["/p0"]
    # One answer over a quarter of the bound is served, never kept.
    big_calls = len(calls)

    def big(request: HttpRequest) -> HttpResponse:
        calls.append(request.path)
        replay.replayable(request, until=caching.time.time() + 30)
        return HttpResponse(b"x" * 300_000)

    huge = replay.ReplayMiddleware(big)
    huge(factory.get("/big"))
    huge(factory.get("/big"))
    assert len(calls) == big_calls + 2


def test_off_when_the_bound_is_zero(papers, settings):
    settings.PAPERFEED_REPLAY_MB = 0
    Client().get("/papers")
    assert not replayed(Client().get("/papers"))


def test_a_limit_that_cannot_count_sends_the_replay_to_the_full_stack(papers):
    Client().get("/papers")
    request = Client().get("/papers").wsgi_request
    base = replay._base_key("GET", request.META)
    kept = replay._store.get(request.META, base)
    assert kept is not None

    def broken(request: HttpRequest) -> bool:
        raise OperationalError("database is locked")

    names = replay._store.vary[base]
    replay._store.put(request, base, names, dataclasses.replace(kept, gates=(broken,)))
    answer = Client().get("/papers")
    assert not replayed(answer)
    assert answer.status_code == 200


def test_a_disallowed_user_agent_is_refused_even_after_a_replay(papers, settings):
    settings.DISALLOWED_USER_AGENTS = [re.compile(r"badbot")]
    Client().get("/papers", HTTP_USER_AGENT="reader")
    assert replayed(Client().get("/papers", HTTP_USER_AGENT="reader"))
    assert Client().get("/papers", HTTP_USER_AGENT="badbot/1").status_code == 403
