"""The early path (paperfeed/core/fastpath.py): a fresh anonymous page copy served before URL
resolution, with the same status, bytes and headers as the view's own copy; members, session
cookies, POSTs and other query strings never get it."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from paperfeed.core import caching
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
    "/papers/2602.99999",  # not in the catalogue: its 404 page is kept too
    "/authors/1-person-1",
    "/search?q=attention",
    "/papers/new?page=2",
]


@pytest.fixture(autouse=True)
def _page_cache(settings):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 30
    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0


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


def served_early(response) -> bool:
    # Resolution sets the request's resolver_match; the early path answers before it.
    return response.wsgi_request.resolver_match is None


def headers(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


@pytest.mark.parametrize("path", PAGES)
def test_a_kept_copy_served_early_has_the_views_status_bytes_and_headers(papers, path):
    client = Client()
    built = client.get(path)
    assert not served_early(built)
    early = Client().get(path)
    assert served_early(early)
    assert early.status_code == built.status_code
    assert early.content == built.content
    assert headers(early) == headers(built)
    assert "content-security-policy" in headers(early)
    assert headers(early)["cache-control"] == "max-age=30, public"
    assert "Cookie" in headers(early)["vary"]


def test_the_early_copy_equals_the_views_copy_when_the_early_path_is_off(papers, settings):
    path = "/papers/new"
    Client().get(path)
    early = Client().get(path)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("CachedPageMiddleware")]
    from_view = Client().get(path)
    assert served_early(early) and not served_early(from_view)
    assert early.content == from_view.content
    assert headers(early) == headers(from_view)


def test_members_never_get_the_shared_copy(papers):
    Client().get("/papers")
    client = Client()
    client.force_login(UserFactory(username="reader"))
    page = client.get("/papers")
    assert not served_early(page)
    assert b"reader" in page.content
    assert "public" not in page.headers.get("Cache-Control", "")


def test_a_session_cookie_or_a_token_goes_to_the_view(papers):
    Client().get("/papers")
    client = Client()
    client.cookies["sessionid"] = "not-a-session"
    assert not served_early(client.get("/papers"))
    assert not served_early(Client().get("/papers", HTTP_AUTHORIZATION="Bearer x"))


def test_posts_and_heads_never_get_the_copy(papers):
    Client().get("/papers/new")
    client = Client(enforce_csrf_checks=True)
    posted = client.post("/papers/new")
    assert not served_early(posted)
    assert posted.status_code in (403, 405)
    assert not served_early(Client().head("/papers/new"))


def test_another_query_string_is_another_copy(papers):
    first = Client().get("/papers/new")
    other = Client().get("/papers/new?category=cs.LG")
    assert not served_early(other)
    assert served_early(Client().get("/papers/new"))
    assert other.content != first.content


def test_a_stale_copy_goes_to_the_view_which_serves_it_while_one_request_rebuilds(
    papers, monkeypatch
):
    clock = Clock()
    monkeypatch.setattr(caching.time, "time", clock.time)
    kept = Client().get("/papers/new").content
    clock.now += 31
    request_key = "page:" + caching.hashlib.sha256(b"/papers/new").hexdigest()
    assert caching.copy_lookup(request_key) == ((200, "text/html; charset=utf-8", kept), True)
    # That request holds the rebuild lock: the next ones are served the stale copy by the view.
    stale = Client().get("/papers/new")
    assert not served_early(stale) and stale.content == kept
    caching.copy_store(request_key, (200, "text/html; charset=utf-8", b"rebuilt"), 30)
    again = Client().get("/papers/new")
    assert served_early(again) and again.content == b"rebuilt"
