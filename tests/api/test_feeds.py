from __future__ import annotations

import html
import re

import feedparser
import pytest

from paperfeed.community.services import upvote_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FEEDS = [
    "/feeds/daily.rss",
    "/feeds/daily.atom",
    "/feeds/weekly.atom",
    "/feeds/monthly.rss",
    "/feeds/trending.rss",
    "/feeds/trending.atom",
    "/feeds/new.atom",
    "/feeds/new/cs.CL.atom",
    "/feeds/new/cs.CL.rss",
    "/feeds/search.atom?q=attention",
    "/feeds/search.rss?q=attention",
]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    return response, parsed


@pytest.mark.parametrize("url", FEEDS)
def test_every_feed_is_valid_with_items(client, catalogue, url):
    response, parsed = parse(client, url)
    expected = "application/atom+xml" if ".atom" in url else "application/rss+xml"
    assert response["Content-Type"].startswith(expected)
    assert parsed.entries, url
    ids = [entry.id for entry in parsed.entries]
    assert len(ids) == len(set(ids))


def test_item_fields_atom(client, catalogue):
    _, parsed = parse(client, "/feeds/daily.atom")
    entry = next(e for e in parsed.entries if e.title == "Attention for everyone")
    assert entry.id == "http://127.0.0.1:8000/papers/2503.00001"
    assert entry.link == "http://127.0.0.1:8000/papers/2503.00001"
    related = {link.title: link.href for link in entry.links if link.rel == "related"}
    assert related == {
        "arXiv": "https://arxiv.org/abs/2503.00001",
        "PDF": "https://arxiv.org/pdf/2503.00001",
        "Code": "https://github.com/example/attention",
    }
    assert entry.author == "Ada Lovelace, Alan Turing"
    assert [tag.term for tag in entry.tags] == ["cs.CL"]
    assert "Abstract of Attention for everyone." in entry.summary
    assert entry.published_parsed[:3] == (2025, 3, 11)
    # The newest featured day comes first.
    assert parsed.entries[0].title == "Contrastive cats"


def test_item_fields_rss(client, catalogue):
    _, parsed = parse(client, "/feeds/daily.rss")
    entry = next(e for e in parsed.entries if e.title == "Attention for everyone")
    assert entry.id == "http://127.0.0.1:8000/papers/2503.00001"
    assert [tag.term for tag in entry.tags] == ["cs.CL"]
    assert "https://arxiv.org/pdf/2503.00001" in entry.summary
    assert "https://github.com/example/attention" in entry.summary
    assert "Ada Lovelace" in entry.summary
    assert entry.published_parsed[:3] == (2025, 3, 11)


def test_upvotes_feed(client, catalogue):
    user = UserFactory(username="voter")
    upvote_add(user=user, paper=catalogue["c"])
    upvote_add(user=user, paper=catalogue["unfeatured"])
    _, parsed = parse(client, "/feeds/users/voter/upvotes.atom")
    assert [e.title for e in parsed.entries] == [
        "Quiet paper nobody featured",
        "Contrastive cats",
    ]
    assert client.get("/feeds/users/nobody/upvotes.atom").status_code == 404


def test_conditional_get_answers_304(client, catalogue):
    first = client.get("/feeds/daily.atom")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get("/feeds/daily.atom", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/feeds/daily.atom", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get("/feeds/daily.atom", HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert "max-age" in first["Cache-Control"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/feeds/search.atom?q=" + "x" * 300, 400),
        ("/feeds/new.atom?category=%3Cscript%3E", 404),
        ("/feeds/search.atom?q=%22unbalanced", 200),
        ("/feeds/search.atom", 200),
    ],
)
def test_bad_feed_input(client, catalogue, url, status):
    assert client.get(url).status_code == status


def test_empty_site_feeds_are_valid(client, db):
    for url in ("/feeds/daily.atom", "/feeds/trending.rss", "/feeds/new.atom"):
        _, parsed = parse(client, url)
        assert parsed.entries == []


LINK_TEXT = re.compile(r"<link>([^<]+)</link>")
LINK_HREF = re.compile(r'<link\b[^>]*\bhref="([^"]+)"')


@pytest.mark.parametrize("suffix", ["rss", "atom"])
def test_every_link_of_every_feed_is_a_page_that_exists(client, catalogue, settings, suffix):
    """The feed's own link, each item's and each related link on this site answer 200 (the
    trending feed once linked to /trending and the upvotes feed to /users/<name>: 404s)."""
    settings.SITE_URL = "http://testserver"
    member = UserFactory(username="reader")
    upvote_add(user=member, paper=catalogue["a"])
    urls = [url.replace(".atom", f".{suffix}") for url in FEEDS if url.endswith(".atom")]
    urls += [f"/feeds/users/reader/upvotes.{suffix}", f"/feeds/weekly.{suffix}"]
    checked = set()
    for url in urls:
        body = client.get(url).content.decode()
        links = LINK_TEXT.findall(body) + LINK_HREF.findall(body)
        assert links, url
        for link in links:
            link = html.unescape(link)
            if not link.startswith(settings.SITE_URL) or link in checked:
                continue  # arXiv, PDF and code links go elsewhere
            checked.add(link)
            path = link[len(settings.SITE_URL) :] or "/"
            assert client.get(path).status_code == 200, (url, link)
    assert "http://testserver/papers/trending" in checked
    assert any(link.endswith("/u/reader") for link in checked)


def test_daily_feed_lists_each_day_ranked_newest_day_first_and_each_paper_once(client, catalogue):
    """The latest day first, each day in its page's order; a paper featured again on a later
    day of the feed's window is one item, on that later day."""
    from datetime import date

    from tests.factories import FeaturedFactory

    FeaturedFactory(paper=catalogue["b"], day=date(2025, 3, 12), upvotes=1, submitter_name="x")
    _, parsed = parse(client, "/feeds/daily.rss")
    titles = [entry.title for entry in parsed.entries]
    # 12 March: b (30 source upvotes, its highest) above c (5); 11 March: a alone, since b
    # moved to its newest day. 20 February is outside the feed's seven days.
    assert titles == ["Benchmarks considered harmful", "Contrastive cats", "Attention for everyone"]
    days = [entry.published_parsed[:3] for entry in parsed.entries]
    assert days == [(2025, 3, 12), (2025, 3, 12), (2025, 3, 11)]
