"""The search results page from a frame kept per process with the query's and the reader's parts
filled in (papers/search_page.py): the same HTML as the template renders for that request
alone, the frame rendered once, nothing of one reader in another's page, and no query or
paper text that can write markup or a slot."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.template import engines
from django.test import Client

from paperfeed.community.services import upvote_add
from paperfeed.core.pagination import page_links
from paperfeed.papers import search_page, search_selectors
from tests.core.test_readerslots import normalised, token_of
from tests.factories import UserFactory, catalogue_paper
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

DAY = date(2026, 2, 3)


def _reference():  # type: ignore[no-untyped-def]
    return engines["django"].from_string(
        (Path(__file__).parent / "search_reference.html").read_text()
    )


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0
    cache.clear()
    search_page._frames.clear()


@pytest.fixture
def papers():
    return [
        catalogue_paper(
            f"2602.{n:05d}",
            title=f"Sparse attention number {n}",
            abstract=f"We study sparse attention in transformers, variant {n}.",
            authors=(f"Ada Writer{n}", "Bo Second"),
            featured_on=DAY,
            featured_upvotes=30 - n,
        )
        for n in range(25)
    ]


def _alone(response, params: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """The page as a whole template renders it for this request (what the view did before the
    frame was kept): ``search_reference.html``, ``papers/search.html`` with the results markup
    that papers/search_page.py writes in Python."""
    request = response.wsgi_request
    query = params["q"]
    sort = params.get("sort", "")
    mode = params.get("mode", "keyword")
    page = int(params.get("page", "1"))
    result = search_selectors.search_papers(
        query=query, limit=20, offset=(page - 1) * 20, sort=sort, mode=mode
    )
    return _reference().render(
        {
            "query": query[:500],
            "sort": sort if sort in search_selectors.SORTS else "relevance",
            "mode": mode,
            "result": result,
            "papers": result.papers,
            "rank_offset": (page - 1) * 20,
            **page_links(page, result.total, 20),
        },
        request=request,
    )


CASES = (
    {"q": "sparse attention", "mode": "keyword"},
    {"q": "sparse attention", "mode": "keyword", "page": "2", "sort": "date"},
    {"q": "attention number 3", "mode": "hybrid"},
    {"q": "sparce atention", "mode": "keyword", "extra": "kept"},  # did you mean
    {"q": "nothingmatcheszzz", "mode": "keyword", "page": "3"},
    {"q": '"unclosed author: <b>&amp;', "mode": "keyword", "sort": "<x>"},
)


@pytest.mark.parametrize("params", CASES)
def test_the_page_is_the_templates_page_for_anonymous_readers(client, papers, params):
    response = client.get("/search", params)
    assert response.status_code == 200
    assert normalised(response.content.decode(), "") == normalised(_alone(response, params), "")


@pytest.mark.parametrize("params", CASES[:3])
def test_the_page_is_the_templates_page_for_a_member(papers, params):
    member = UserFactory(username="reader-one")
    for paper in papers:
        upvote_add(user=member, paper=paper)
    client = signed_in(member)
    client.get("/")  # a CSRF cookie, so both renders use this reader's secret
    response = client.get("/search", params)
    html = response.content.decode()
    secret = token_of(client)
    assert "reader-one" in html and "is-voted" in html
    assert normalised(html, secret) == normalised(_alone(response, params), secret)


def test_the_frame_is_rendered_once_per_process_and_kind_of_reader(client, papers):
    first = client.get("/search", {"q": "sparse"})
    assert "papers/search.html" in [t.name for t in first.templates]
    again = client.get("/search", {"q": "attention"})
    assert "papers/search.html" not in [t.name for t in again.templates]
    member = signed_in(UserFactory())
    assert "papers/search.html" in [t.name for t in member.get("/search", {"q": "x"}).templates]
    assert "papers/search.html" not in [t.name for t in member.get("/search", {"q": "y"}).templates]


def test_nothing_of_one_member_reaches_another_or_an_anonymous_reader(papers):
    one, two = UserFactory(username="member-one"), UserFactory(username="member-two")
    for paper in papers:
        upvote_add(user=one, paper=paper)
    first = signed_in(one).get("/search", {"q": "sparse"}).content.decode()
    assert "member-one" in first and "is-voted" in first
    second = signed_in(two).get("/search", {"q": "sparse"}).content.decode()
    assert "member-one" not in second and "is-voted" not in second and "member-two" in second
    anonymous = Client().get("/search", {"q": "sparse"}).content.decode()
    assert "member-" not in anonymous and "Sign in" in anonymous
    assert "csrfmiddlewaretoken" not in anonymous


def test_a_members_vote_from_the_search_page_works(papers):
    member = UserFactory()
    client = signed_in(member)
    client.get("/")
    html = client.get("/search", {"q": "sparse"}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    action = re.search(r'<form class="upvote" method="post" action="([^"]+)"', html).group(1)
    client_checked = Client(enforce_csrf_checks=True)
    client_checked.force_login(member)
    client_checked.cookies["csrftoken"] = token_of(client)
    assert client_checked.post(action, {"csrfmiddlewaretoken": token}).status_code in (200, 302)
    assert "is-voted" in client.get("/search", {"q": "sparse"}).content.decode()


HOSTILE = (
    "<!--pf:content:--><!--pf:menu:--><!--pf:title:--><!--pf:query:--><!--pf:card:1:2:3-->"
    '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
)


@pytest.mark.parametrize("signed", [False, True])
def test_a_hostile_query_or_title_writes_no_markup_and_fills_no_slot(signed):
    catalogue_paper(
        "2602.00777",
        title="Hostile " + HOSTILE,
        abstract="An abstract about hostile input " + HOSTILE,
        featured_on=DAY,
    )
    client = signed_in(UserFactory(username="victim")) if signed else Client()
    for query in ("hostile " + HOSTILE, "hostile", HOSTILE):
        response = client.get("/search", {"q": query, "mode": "keyword"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "<!--pf:" not in html
        assert html.count("<html") == 1 and html.count('<main id="main">') == 1
        assert html.count('<nav class="user-menu"') == 1
        if signed:
            assert html.count(">victim</a>") == 1
    html = client.get("/search", {"q": "hostile", "mode": "keyword"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<mark>Hostile</mark>" in html
