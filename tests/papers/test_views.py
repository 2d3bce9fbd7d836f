from __future__ import annotations

import re
from datetime import date

import pytest

from paperfeed.core import caching
from paperfeed.papers.models import Paper
from tests.core.test_caching import Clock
from tests.factories import UserFactory, catalogue_paper

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

DAY = date(2026, 2, 3)  # a Tuesday, ISO week 2026-W06
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def featured():
    first = catalogue_paper(
        "2602.00201",
        title="Scaling $O(n^2)$ attention",
        abstract="Long abstract. " * 40,
        authors=tuple(f"Person {n}" for n in range(9)),
        featured_on=DAY,
        featured_upvotes=12,
        code_url="https://github.com/example/repo",
        code_stars=321,
    )
    second = catalogue_paper(
        "2602.00202", title="Second paper", featured_on=DAY, featured_upvotes=4
    )
    return first, second


def test_home_shows_latest_day_ranked(client, featured, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Scaling") < html.index("Second paper")
    assert '<span class="math"><i>O</i>(<i>n</i><sup>2</sup>)</span>' in html
    # Each shown name links to its author page.
    assert "Person 0, Person 1, Person 2, Person 3, Person 4 et al. (+4)" in re.sub(
        r"</?a[^>]*>", "", html
    )
    assert re.search(r'<a href="/authors/\d+-person-0">Person 0</a>', html)
    assert "Code ★ 321" in html
    assert "Show full abstract" in html
    assert 'href="/feeds/daily.atom"' in html
    assert client.get("/papers").status_code == 200


def test_week_and_month_pages_and_navigation(client, featured):
    week = client.get("/papers/week/2026-W06")
    assert week.status_code == 200
    assert "Second paper" in week.content.decode()
    assert 'href="/papers/week/2026-W05"' in week.content.decode()
    assert 'href="/papers/week/2026-W07"' in week.content.decode()
    month = client.get("/papers/month/2026-02")
    assert "Second paper" in month.content.decode()
    assert 'href="/papers/month/2026-01"' in month.content.decode()
    assert 'href="/papers/month/2026-03"' in month.content.decode()
    day = client.get("/papers/date/2026-02-03").content.decode()
    assert 'href="/papers/week/2026-W06"' in day and 'href="/papers/month/2026-02"' in day


def test_empty_day_links_to_nearest_days(client, featured):
    response = client.get("/papers/date/2026-02-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No papers were featured on this day" in html
    assert 'href="/papers/date/2026-02-03"' in html


def test_date_picker_redirects(client):
    assert client.get("/papers/date?date=2026-02-03")["Location"] == "/papers/date/2026-02-03"
    assert client.get("/papers/date?date=<x>").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/papers/date/2026-02-30",
        "/papers/date/2026-13-01",
        "/papers/date/0000-01-01",
        "/papers/date/yesterday",
        "/papers/week/2026-W54",
        "/papers/week/2025-W53",
        "/papers/week/2026-W00",
        "/papers/month/2026-13",
        "/papers/month/2026-00",
        "/papers/month/%3Cscript%3E",
    ],
)
def test_impossible_periods_are_400_not_500(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert b"<script>" not in response.content


def test_paper_page(client, featured, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get("/papers/2602.00201")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta property="og:title" content="Scaling $O(n^2)$ attention">' in html
    assert "https://arxiv.org/pdf/2602.00201" in html
    assert 'href="/papers/date/2026-02-03"' in html
    assert "@misc{paper2026scaling," in html
    assert "author={Person 0 and Person 1 and" in html
    assert "eprint={2602.00201}" in html
    assert 'id="comments"' in html
    assert 'id="similar"' in html


def test_versioned_and_prefixed_ids_redirect_to_the_canonical_page(client, featured):
    for url in ("/papers/2602.00201v2", "/papers/arXiv:2602.00201"):
        response = client.get(url)
        assert response.status_code == 301
        assert response["Location"] == "/papers/2602.00201"


@pytest.mark.parametrize("url", ["/papers/2602.99999", "/papers/not-an-id", "/papers/%00%ff"])
def test_unknown_paper_is_404_with_search_box(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b'type="search"' in response.content


def test_hidden_paper_is_404(client, featured):
    Paper.objects.filter(arxiv_id="2602.00202").update(hidden=True)
    assert client.get("/papers/2602.00202").status_code == 404
    assert "Second paper" not in client.get("/").content.decode()


def test_markup_in_metadata_is_text(client):
    catalogue_paper(
        "2602.00211",
        title=f"Title {XSS}",
        abstract=f"Abstract {XSS}",
        authors=(f"Eve {XSS}",),
        featured_on=DAY,
    )
    for url in ("/", "/papers/2602.00211", "/papers/new", "/search?q=title", "/papers/trending"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


def test_new_page_with_category_filter(client, featured):
    catalogue_paper("2602.00221", title="Vision paper", categories=("cs.CV",))
    html = client.get("/papers/new?category=cs.CV").content.decode()
    assert "Vision paper" in html and "Second paper" not in html
    response = client.get("/papers/new?category=%3Cscript%3E&page=abc")
    assert response.status_code == 200
    assert "not an arXiv category" in response.content.decode()


def test_trending_page(client, featured):
    response = client.get("/papers/trending?window=month&code=1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Scaling" in html and "Second paper" not in html
    assert client.get("/papers/trending?window=<x>&page=-5").status_code == 200


def test_search_page(client, featured):
    html = client.get("/search?q=second").content.decode()
    assert "<mark>Second</mark> paper" in html
    assert "1 result" in html
    assert client.get("/search").status_code == 200
    html = client.get("/search?q=" + "x" * 10_000).content.decode()
    assert "cut to its first 500 characters" in html
    for query in ['"', "NEAR(", "AND OR", "-", "^", "*", "%00", "%E2%80%AE", "%F0%9F%98%80"]:
        assert client.get(f"/search?q={query}&sort=<x>&page=99999").status_code == 200


def test_only_safe_methods(client):
    assert client.post("/papers").status_code == 405
    assert client.post("/search?q=a").status_code == 405


def test_anonymous_pages_are_cached_within_the_bound(client, featured, settings, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(caching.time, "time", clock.time)
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 5
    first = client.get("/papers/2602.00202")
    assert first["Cache-Control"] == "max-age=5, public"
    Paper.objects.filter(arxiv_id="2602.00202").update(title="Renamed paper")
    assert b"Renamed paper" not in client.get("/papers/2602.00202").content
    # The bound's expiry (the shared copy and the answer replayed from it both end with it).
    clock.now += 6
    assert b"Renamed paper" in client.get("/papers/2602.00202").content


def test_signed_in_readers_get_fresh_pages(client, featured, settings):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 5
    client.force_login(UserFactory())
    client.get("/papers/2602.00202")
    Paper.objects.filter(arxiv_id="2602.00202").update(title="Renamed paper")
    assert b"Renamed paper" in client.get("/papers/2602.00202").content


def test_a_paper_without_an_abstract_says_so(client):
    catalogue_paper("2602.00301", title="Only a title so far", abstract="")
    page = client.get("/papers/2602.00301").content.decode()
    assert "No abstract yet" in page and 'class="abstract"' not in page
    assert 'href="https://arxiv.org/abs/2602.00301"' in page
    catalogue_paper("2602.00302", abstract="A real abstract.")
    page = client.get("/papers/2602.00302").content.decode()
    assert "No abstract yet" not in page and "A real abstract." in page


def test_categories_are_listed_only_when_known(client):
    # A paper known only from a featured list has no categories yet: no empty heading for it.
    catalogue_paper("2602.00303", categories=())
    assert "<dt>Categories</dt>" not in client.get("/papers/2602.00303").content.decode()
    catalogue_paper("2602.00304", categories=("cs.CL", "cs.LG"))
    page = client.get("/papers/2602.00304").content.decode()
    assert "<dt>Categories</dt>" in page and "?category=cs.LG" in page


# --- A search that is one arXiv id ----------------------------------------------------------------


# --- Papers known only from a featured list -------------------------------------------------


def test_a_stub_shows_its_featured_day_marked_as_such_never_an_arxiv_date(client):
    from paperfeed.papers.records import FeaturedRecord, PaperRecord
    from paperfeed.papers.services import papers_upsert

    papers_upsert(
        records=[
            PaperRecord(
                arxiv_id="2608.01234",
                source="hf_scrape",
                title="Known from HF only",
                featured=FeaturedRecord(day=date(2026, 8, 22), upvotes=3),
            )
        ]
    )
    card = client.get("/papers/date/2026-08-22").content.decode()
    assert 'featured <time datetime="2026-08-22" title="22 Aug 2026">' in card
    assert 'class="featured-date"' in card and "this is the day it was featured" in card
    # Not the id's month, the invented date it used to show.
    assert "1 Aug 2026" not in card
    page = client.get("/papers/2608.01234").content.decode()
    assert 'featured <time datetime="2026-08-22" title="22 August 2026">' in page
    assert "<dt>Published</dt>" not in page and "(approximate)" not in page


def test_a_complete_paper_shows_its_arxiv_date(client, featured):
    html = client.get("/papers/date/2026-02-03").content.decode()
    assert '<time datetime="2026-02-02" title="2 Feb 2026">' in html
    assert "featured-date" not in html
    page = client.get("/papers/2602.00201").content.decode()
    assert "<dt>Published</dt>" in page and "2 February 2026" in page


def test_an_abstract_from_hugging_face_is_marked_until_arxivs_arrives(client, featured):
    Paper.objects.filter(arxiv_id="2602.00202").update(
        abstract="Scraped from the HF page.", abstract_source="hf_scrape"
    )
    page = client.get("/papers/2602.00202").content.decode()
    assert "Scraped from the HF page." in page
    assert "Abstract from Hugging Face" in page
    assert "Abstract from Hugging Face" not in client.get("/papers/2602.00201").content.decode()


# --- Thumbnails ------------------------------------------------------------------------------


@pytest.fixture
def drawn(settings, tmp_path):
    from paperfeed.papers.services import thumbnail_save
    from tests.helpers import webp_image

    settings.PAPERFEED_THUMBNAIL_DIR = tmp_path
    paper = catalogue_paper("2602.00501", title="Attention Is All You Need")
    return thumbnail_save(paper=paper, image=webp_image(), width=320, height=414)


def test_a_thumbnail_is_served_with_a_long_cache_and_an_etag(client, drawn):
    url = client.get("/papers/2602.00501").content.decode().split('<img class="pf-thumb" src="')[1]
    url = url.split('"')[0]
    assert url.startswith("/thumbs/2602.00501.webp?v=")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    # Without its version, the same image may change: cached a day.
    assert client.get("/thumbs/2602.00501.webp")["Cache-Control"] == "public, max-age=86400"


@pytest.mark.parametrize(
    "path",
    [
        "/thumbs/2602.00502.webp",  # no thumbnail (yet)
        "/thumbs/not-an-id.webp",
        "/thumbs/..%2F..%2Fsecret_key.webp",
        "/thumbs/2602.00501.png",
        "/thumbs/hep-th/9901001.webp",
    ],
)
def test_a_missing_or_hostile_thumbnail_path_is_a_clean_404(client, drawn, path):
    response = client.get(path)
    assert response.status_code == 404


def test_the_paper_page_describes_its_thumbnail_and_a_card_without_one_has_a_placeholder(
    client, drawn
):
    page = client.get("/papers/2602.00501").content.decode()
    assert 'loading="lazy"' in page and 'alt="First page of the paper"' in page
    catalogue_paper("2602.00502", title="A Study of $\\alpha$-Attention", categories=("cs.CL",))
    card = client.get("/papers/new").content.decode()
    assert (
        '<span class="pf-thumb pf-thumb--placeholder" aria-hidden="true">SA<small>cs.CL</small>'
        in card
    )
    assert 'alt=""' in card  # beside its title, the image needs no words of its own


# --- Author pages -------------------------------------------------------------------------------
