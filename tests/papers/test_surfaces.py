"""One featured list, four surfaces: the page, ``/api/daily_papers``, the feeds and the digest
rank a day (and an ISO week) the same way — same papers, same order, same upvote numbers.

Each surface is read the way a reader meets it (page HTML, API JSON, feed XML, the digest built by
the digest code), not through the selector they share, so a surface that ranks or counts on its
own makes this fail.
"""

from __future__ import annotations

import re
from datetime import date

import feedparser
import pytest

from paperfeed.community.models import Upvote
from paperfeed.digests.emails import DigestBuilder
from paperfeed.papers.models import Featured, Paper
from paperfeed.papers.periods import Period
from paperfeed.papers.selectors import featured_list
from tests.factories import SubscriberFactory, UserFactory, catalogue_paper

pytestmark = pytest.mark.django_db

# A Thursday; ISO week 2026-W06 runs from Monday 2 to Sunday 8 February.
DAY = date(2026, 2, 5)
WEEK = "2026-W06"
Listing = list[tuple[str, int]]


@pytest.fixture
def featured(settings):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    settings.PAPERFEED_FEED_CACHE_SECONDS = 0
    settings.SITE_URL = "http://testserver"
    # On DAY: ranks come from source + local upvotes, a pin, and the tie-break.
    catalogue_paper("2602.00101", title="Source only", featured_on=DAY, featured_upvotes=30)
    local_heavy = catalogue_paper(
        "2602.00102", title="Local heavy", featured_on=DAY, featured_upvotes=5
    )
    Paper.objects.filter(pk=local_heavy.pk).update(upvote_count=40)  # 45 in all
    pinned = catalogue_paper("2602.00103", title="Pinned", featured_on=DAY, featured_upvotes=1)
    Featured.objects.filter(paper=pinned).update(pinned=True)
    # Equal counts (12 each): the earlier-featured first, then the newer paper.
    catalogue_paper("2602.00104", title="Tie older id", featured_on=DAY, featured_upvotes=12)
    catalogue_paper("2602.00105", title="Tie newer id", featured_on=DAY, featured_upvotes=12)
    # Featured earlier in the week with a higher count than DAY's entry says: the one source
    # count is the highest ever reported, on every surface.
    catalogue_paper("2602.00106", title="Twice", featured_on=date(2026, 2, 3), featured_upvotes=50)
    catalogue_paper("2602.00106", title="Twice", featured_on=DAY, featured_upvotes=8)
    dropped = catalogue_paper(
        "2602.00107", title="Hidden on the day", featured_on=DAY, featured_upvotes=99
    )
    Featured.objects.filter(paper=dropped).update(hidden=True)
    # Elsewhere in the week, and in the week before (outside it).
    catalogue_paper("2602.00108", title="Monday", featured_on=date(2026, 2, 2), featured_upvotes=20)
    catalogue_paper(
        "2601.00109", title="Last week", featured_on=date(2026, 1, 30), featured_upvotes=70
    )
    # A local vote through the real model, on top of the counter set above.
    Upvote.objects.create(user=UserFactory(), paper=pinned)
    Paper.objects.filter(pk=pinned.pk).update(upvote_count=1)


def _ids_to_arxiv() -> dict[int, str]:
    return dict(Paper.objects.values_list("pk", "arxiv_id"))


def _page(client, url: str) -> Listing:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    names = _ids_to_arxiv()
    entries = re.findall(
        r'<li class="paper-entry" id="paper-(\d+)">.*?<span class="upvote-count"[^>]*>(\d+)</span>',
        html,
        flags=re.S,
    )
    return [(names[int(pk)], int(count)) for pk, count in entries]


def _api(client, query: str) -> Listing:
    response = client.get(f"/api/daily_papers?{query}&limit=100")
    assert response.status_code == 200, response.content
    return [(item["paper"]["id"], item["paper"]["upvotes"]) for item in response.json()]


def _feed(client, url: str) -> Listing:
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    out = []
    for entry in parsed.entries:
        arxiv_id = entry.link.rsplit("/papers/", 1)[1]
        upvotes = re.search(r"(\d+) upvotes?", entry.description)
        assert upvotes, entry.description
        out.append((arxiv_id, int(upvotes[1])))
    return out


def _digest(frequency: str, period: str) -> Listing:
    subscriber = SubscriberFactory(frequency=frequency, content="featured", paper_count=100)
    rendered = DigestBuilder().render(subscriber=subscriber, period=period)
    assert rendered is not None
    return [
        (arxiv_id, int(count))
        for arxiv_id, count in re.findall(
            r"/papers/([0-9.]+)\n(?:.*\n)*?\s*(\d+) upvotes?", rendered.text
        )
    ]


EXPECTED_DAY: Listing = [
    ("2602.00103", 2),  # pinned: first whatever its count (1 at the source + 1 here)
    ("2602.00106", 50),  # 50: its highest source count, from Tuesday's entry
    ("2602.00102", 45),  # 5 at the source + 40 here
    ("2602.00101", 30),
    ("2602.00105", 12),  # tie at 12, same first day: the newer paper (higher id) first
    ("2602.00104", 12),
]


def test_the_four_surfaces_rank_a_day_identically(client, featured):
    page = _page(client, f"/papers/date/{DAY.isoformat()}")
    assert page == EXPECTED_DAY
    assert _page(client, "/") == EXPECTED_DAY  # the home page is the latest day
    assert _api(client, f"date={DAY.isoformat()}") == EXPECTED_DAY
    assert _api(client, f"date={DAY.isoformat()}&sort=trending") == EXPECTED_DAY
    # The daily feed: the latest day first (then the days before it, each in page order).
    daily_feed = _feed(client, "/feeds/daily.rss")
    assert daily_feed[: len(EXPECTED_DAY)] == EXPECTED_DAY
    assert _feed(client, "/feeds/daily.atom")[: len(EXPECTED_DAY)] == EXPECTED_DAY
    assert _digest("daily", f"daily:{DAY.isoformat()}") == EXPECTED_DAY


def test_the_four_surfaces_rank_an_iso_week_identically(client, featured):
    # 2602.00106 is in the week once, first featured on Tuesday; last week's paper is not.
    rows, total = featured_list(period=Period.week_of(DAY))
    expected = [(row.paper.arxiv_id, row.upvotes) for row in rows]
    assert total == 7 and "2601.00109" not in dict(expected)
    assert expected[0] == ("2602.00103", 2)
    assert _page(client, f"/papers/week/{WEEK}") == expected
    assert _api(client, f"week={WEEK}&sort=trending") == expected
    assert _feed(client, "/feeds/weekly.atom") == expected
    assert _digest("weekly", "weekly:2026-02-02") == expected


def test_the_month_is_the_calendar_month_everywhere(client, featured):
    rows, _ = featured_list(period=Period.month_of(DAY))
    expected = [(row.paper.arxiv_id, row.upvotes) for row in rows]
    assert "2601.00109" not in dict(expected) and len(expected) == 7
    assert _page(client, "/papers/month/2026-02") == expected
    assert _api(client, "month=2026-02&sort=trending") == expected
    assert _feed(client, "/feeds/monthly.rss") == expected


def test_one_upvote_number_on_the_paper_page_and_paper_info(client, featured):
    html = client.get("/papers/2602.00106").content.decode()
    assert re.search(r'<span class="upvote-count"[^>]*>50</span>', html)
    assert "50 (50 at the source, 0 here)" in html
    assert client.get("/api/papers/2602.00106").json()["upvotes"] == 50
    markdown = client.get("/papers/2602.00106.md").content.decode()
    assert "**Upvotes:** 50" in markdown


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/papers",
        "/papers/{id}",
        "/papers/{id}.md",
        "/papers/trending",
        "/papers/week/9999-W52",
        "/papers/month/9998-12",
        "/api/daily_papers",
        "/api/daily_papers?date=9999-12-31",
        "/api/papers/{id}",
        "/feeds/daily.rss",
        "/feeds/weekly.atom",
    ],
)
def test_a_day_stored_out_of_bounds_before_the_check_breaks_no_surface(client, url):
    """Days written before curators' days were bounded: no 500, and never "the latest day"."""
    real = catalogue_paper(
        "2601.00011", title="The real latest paper", featured_on=date(2026, 1, 5)
    )
    future = catalogue_paper("2601.00012", title="From the far future")
    past = catalogue_paper("2601.00013", title="From the year one")
    Featured.objects.create(paper=future, day=date(9999, 12, 31), source="curator")
    Featured.objects.create(paper=past, day=date(1, 1, 1), source="curator")
    response = client.get(url.format(id=future.arxiv_id))
    assert response.status_code in (200, 400, 404)  # 400: year 9999 is past the periods
    if url in ("/", "/papers", "/api/daily_papers", "/feeds/daily.rss"):
        body = response.content.decode()
        assert real.title in body
        assert future.title not in body and past.title not in body
