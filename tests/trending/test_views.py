"""The trending views (paperfeed/trending/views.py): the trending page and the code-link form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paperfeed.trending import links, scores
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 11, 12, tzinfo=UTC)


def test_trending_page_shows_reasons_sparklines_and_about(client, scored_catalogue):
    scores.trending_scores_recompute(now=NOW)
    html = client.get("/papers/trending?window=week").content.decode()
    assert "Why it is here" in html and "+2200 stars" in html
    assert '<svg class="sparkline"' in html and "GitHub stars: 100 on 01 Apr" in html
    # One upvote number, on the button (source + local), the breakdown on hover; no second count.
    assert 'title="20 at the source + 0 here">20</span>' in html
    assert "upvotes in all" not in html
    about = client.get("/papers/trending/about").content.decode()
    assert "/ (age in days + 2.0) ^ 1.5" in about and "594" not in about


def test_the_page_says_plainly_when_nothing_newer_has_signal(client, scored_catalogue):
    scores.trending_scores_recompute(now=NOW)
    html = client.get("/papers/trending?window=week").content.decode()
    # The scores are as of the end of 10 Apr 2026 and today is later: the page says so plainly.
    assert "Trending as of 10 Apr 2026: nothing newer has votes or stars yet." in html
    assert "Nothing is trending" not in html and "Replay" not in html


def test_replay_with_as_of(client, scored_catalogue):
    hot, _starry, stale = scored_catalogue
    html = client.get("/papers/trending?window=month&as_of=2026-03-05").content.decode()
    assert "Replay:" in html and "end of 5 Mar 2026" in html
    assert stale.title in html and f"paper-{hot.pk}" not in html
    assert "as_of=2026-03-05" in html  # the tabs keep the replay


def test_replay_stored_by_the_command_is_announced(client, scored_catalogue):
    from django.core.management import call_command

    call_command("stars", "recompute", "--as-of", "2026-03-02")
    html = client.get("/papers/trending").content.decode()
    assert "Replay:" in html and "end of 2 Mar 2026" in html


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", "as_of must be a date written YYYY-MM-DD"),
        ("2026-02-30", "as_of must be a date written YYYY-MM-DD"),
        ("%3Cscript%3E", "as_of must be a date written YYYY-MM-DD"),
        ("2999-01-01", "is in the future"),
        ("1200-01-01", "as_of must be a date written YYYY-MM-DD"),
        ("1991-02-01", "on or after 1991-08-01"),
        ("2" * 5000, "as_of must be a date written YYYY-MM-DD"),
    ],
)
def test_a_bad_as_of_is_a_clear_400(client, value, message):
    response = client.get(f"/papers/trending?as_of={value}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "<script>" not in html


def test_hostile_query_strings_on_the_page(client):
    for query in ("window=%3Cscript%3E", "category=cs.CL%27--", "code=1&page=99999", "page=-1"):
        response = client.get(f"/papers/trending?{query}")
        assert response.status_code == 200, query
        assert "<script>" not in response.content.decode()


def test_an_empty_catalogue_says_nothing_is_trending(client):
    html = client.get("/papers/trending").content.decode()
    assert "Nothing is trending" in html and "nothing newer" not in html


def test_a_replay_before_any_history_says_so(client, scored_catalogue):
    html = client.get("/papers/trending?as_of=2025-06-01").content.decode()
    assert "Nothing was trending by the end of 1 Jun 2025" in html


def test_replays_are_rate_limited_per_address(client, monkeypatch):
    from paperfeed.trending import views

    monkeypatch.setattr(views, "REPLAY_RATE", "2/m")
    codes = [client.get(f"/papers/trending?as_of=2026-03-0{n}").status_code for n in (1, 2, 3)]
    assert codes == [200, 200, 429]
    assert client.get("/papers/trending").status_code == 200  # the live list is not limited


def test_code_link_form_permissions_csrf_and_hostile_input(client):
    from django.test import Client

    from paperfeed.accounts.roles import curators_group
    from paperfeed.community.models import AuthorClaim
    from paperfeed.papers.models import Author

    paper = PaperFactory(code_url="https://github.com/auto/found", code_url_source="auto")
    url = f"/trending/papers/{paper.pk}/code"
    stranger = UserFactory(verified=True)
    client.force_login(stranger)
    client.post(url, {"code_url": "https://github.com/evil/repo"})
    paper.refresh_from_db()
    assert paper.code_url == "https://github.com/auto/found"  # refused: not theirs

    author = UserFactory(verified=True)
    AuthorClaim.objects.create(
        user=author, paper=paper, author=Author.objects.create(name="A", key="a"),
        status=AuthorClaim.Status.APPROVED,
    )  # fmt: skip
    client.force_login(author)
    for hostile in ("javascript:alert(1)", "https://github.com.evil.io/a/b", "x" * 5000):
        client.post(url, {"code_url": hostile})
        paper.refresh_from_db()
        assert paper.code_url == "https://github.com/auto/found", hostile
    response = client.post(url, {"code_url": "https://github.com/Lab/Real.git"})
    assert response.status_code == 302
    paper.refresh_from_db()
    assert (paper.code_url, paper.code_url_source) == ("https://github.com/Lab/Real", "user")
    links.code_links_scan()  # the automatic scan never overrides a person's choice
    paper.refresh_from_db()
    assert paper.code_url == "https://github.com/Lab/Real"

    curator = UserFactory(verified=True)
    curator.groups.add(curators_group())
    client.force_login(curator)
    client.post(url, {"code_url": ""})
    paper.refresh_from_db()
    assert (paper.code_url, paper.code_url_source) == ("", "user")

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(curator)
    assert csrf_client.post(url, {"code_url": "https://github.com/a/b"}).status_code == 403
    assert client.get(url).status_code == 405
    page = client.get(f"/papers/{paper.arxiv_id}").content.decode()
    assert 'name="code_url"' in page and "cleared by a person" in page
