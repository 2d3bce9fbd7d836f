from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from paperfeed.trending import selectors, services
from paperfeed.trending.models import Repository, StarSnapshot, UpvoteSnapshot
from tests.factories import PaperFactory, UserFactory, catalogue_paper

pytestmark = pytest.mark.django_db


def _repo(key: str, **fields) -> Repository:
    host, full = key.split("/", 1)
    return Repository.objects.create(key=key, host=host, full_name=full, **fields)


def test_refresh_handles_ok_renamed_gone_and_errors(github_server, client_for, caplog):
    PaperFactory(code_url="https://github.com/acme/fast-attn")
    PaperFactory(code_url="https://github.com/acme/old-name")
    PaperFactory(code_url="https://github.com/acme/deleted")
    PaperFactory(code_url="https://github.com/acme/flaky")
    github_server.on("/repos/acme/fast-attn", "repo_ok.json")
    github_server.on("/repos/acme/old-name", "repo_moved.json")
    github_server.on("/repositories/900002", "repo_renamed_target.json")
    github_server.on("/repos/acme/deleted", "repo_not_found.json")
    github_server.on("/repos/acme/flaky", "server_error.json")
    deleted = _repo("github.com/acme/deleted")
    StarSnapshot.objects.create(
        repository=deleted, stars=7, taken_at=timezone.now() - timedelta(days=3)
    )
    caplog.set_level(logging.INFO)
    with client_for(retries=1) as client:
        summary = services.stars_refresh(client=client, budget=10)
    assert (summary.updated, summary.renamed, summary.gone, summary.errors) == (2, 1, 1, 1)
    renamed = Repository.objects.get(key="github.com/acme/old-name")
    assert renamed.full_name == "acme-labs/fast-attention" and renamed.stars == 2040
    deleted.refresh_from_db()
    assert deleted.status == "gone" and deleted.snapshots.count() == 1  # history kept
    flaky = Repository.objects.get(key="github.com/acme/flaky")
    assert "502" in flaky.last_error and flaky.last_refreshed_at is not None
    assert "renamed to acme-labs/fast-attention" in caplog.text
    assert "deleted, private or blocked" in caplog.text


def test_refresh_goes_oldest_first_within_budget_and_uses_etags(github_server, client_for):
    now = timezone.now()
    old = _repo(
        "github.com/acme/fast-attn",
        etag='W/"a1b2c3"',
        stars=1523,
        last_refreshed_at=now - timedelta(days=2),
    )
    _repo("github.com/acme/recent", last_refreshed_at=now - timedelta(hours=1))
    github_server.on("/repos/acme/fast-attn", "repo_not_modified.json")
    with client_for() as client:
        summary = services.stars_refresh(client=client, budget=1)
    assert summary.asked == 1 and summary.unchanged == 1
    assert [path for path, _ in github_server.requests] == ["/repos/acme/fast-attn"]
    assert github_server.requests[0][1]["If-None-Match"] == 'W/"a1b2c3"'
    assert old.snapshots.get().stars == 1523  # a 304 still records the (unchanged) count


def test_refresh_stops_cleanly_on_a_long_rate_limit(github_server, client_for, sleeps):
    github_server.reset_at += 3600
    _repo("github.com/acme/a")
    _repo("github.com/acme/b")
    github_server.on("/repos/acme/a", "rate_limited_primary.json")
    with client_for(max_wait=30) as client:
        summary = services.stars_refresh(client=client, budget=10)
    assert "resets at" in summary.stopped and summary.asked == 1
    assert len(github_server.requests) == 1 and sleeps == []


def test_clock_backwards_and_unstarring_keep_every_snapshot(caplog):
    repo = _repo("github.com/acme/x")
    t = datetime(2026, 5, 1, tzinfo=UTC)
    services.star_snapshot_record(repository=repo, stars=100, taken_at=t)
    caplog.set_level(logging.INFO)
    services.star_snapshot_record(repository=repo, stars=120, taken_at=t - timedelta(hours=2))
    services.star_snapshot_record(repository=repo, stars=90, taken_at=t + timedelta(days=1))
    points = list(repo.snapshots.order_by("taken_at").values_list("taken_at", "stars"))
    assert [s for _, s in points] == [100, 120, 90]
    assert points[1][0] == t + timedelta(seconds=1)
    assert "clock went backwards" in caplog.text and "stars fell from 120 to 90" in caplog.text


def test_backfill_from_the_newest_stargazer_pages(github_server, client_for):
    repo = _repo("github.com/acme/fast-attn")
    github_server.on("/repos/acme/fast-attn", "repo_ok.json")  # 1,523 stars: 16 pages
    github_server.on("/repos/acme/fast-attn/stargazers", "stargazers_page.json")
    with client_for() as client:
        written = services.stars_backfill(client=client, repository=repo, max_pages=1)
    assert written >= 3
    assert "page=16" in github_server.requests[1][0]
    counts = list(repo.snapshots.order_by("taken_at").values_list("stars", flat=True))
    assert counts == sorted(counts) and counts[-1] == 1523


def test_code_link_scan_sets_auto_and_never_overrides_user(caplog):
    found = PaperFactory(abstract="Code: https://github.com/Lab/Model.git.")
    user_cleared = PaperFactory(
        abstract="Code: https://github.com/lab/other", code_url_source="user"
    )
    hostile = PaperFactory(
        abstract="See javascript://github.com/x/y and https://github.com.evil.io/a/b"
    )
    caplog.set_level(logging.INFO)
    summary = services.code_links_scan()
    found.refresh_from_db()
    user_cleared.refresh_from_db()
    hostile.refresh_from_db()
    assert (found.code_url, found.code_url_source) == ("https://github.com/Lab/Model", "auto")
    assert user_cleared.code_url == ""
    assert hostile.code_url == "" and sum(summary.refused.values()) == 2
    assert "github.com.evil.io" in caplog.text


def test_upvote_snapshots_recorded_by_the_importer():
    paper = catalogue_paper("2604.00001", featured_on=date(2026, 4, 2), featured_upvotes=12)
    snap = UpvoteSnapshot.objects.get(paper=paper)
    assert snap.count == 12 and snap.source == "hf"


def _score_setup():
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
    repo = _repo("github.com/acme/rocket")
    for day, stars in ((1, 100), (3, 900), (10, 3100)):
        StarSnapshot.objects.create(
            repository=repo, stars=stars, taken_at=datetime(2026, 4, day, tzinfo=UTC)
        )
    return hot, starry, stale


def test_recompute_stores_scores_with_components_and_filters():
    hot, starry, stale = _score_setup()
    run = services.trending_scores_recompute(now=datetime(2026, 4, 11, 12, tzinfo=UTC))
    assert run.as_of == datetime(2026, 4, 11, tzinfo=UTC)
    papers, total = selectors.trending_papers(window="week")
    assert [p.pk for p in papers] == [starry.pk, hot.pk] and total == 2  # stale: no signal
    c = papers[0].trending_components
    assert c["stars_gained"] == 2200 and c["star_velocity"] == pytest.approx(2200 / 7)
    assert c["upvotes"] == 2 and c["upvotes_in_window"] == 2
    assert papers[0].trending_score == pytest.approx(c["upvote_component"] + c["star_component"])
    assert selectors.trending_papers(window="week", category="cs.CV")[1] == 1
    assert [p.pk for p in selectors.trending_papers(window="week", with_code=True)[0]] == [
        starry.pk
    ]
    month, _ = selectors.trending_papers(window="month")
    assert stale.pk not in [p.pk for p in month]  # its 300 upvotes came before the window
    starry.refresh_from_db()
    assert starry.code_stars is None  # no Repository.stars yet: nothing to copy


def test_trending_page_shows_reasons_sparklines_and_about(client):
    _score_setup()
    services.trending_scores_recompute(now=datetime(2026, 4, 11, 12, tzinfo=UTC))
    html = client.get("/papers/trending?window=week").content.decode()
    assert "Why it is here" in html and "+2200 stars" in html
    assert '<svg class="sparkline"' in html and "GitHub stars: 100 on 01 Apr" in html
    about = client.get("/papers/trending/about").content.decode()
    assert "/ (age in days + 2.0) ^ 1.5" in about and "594" not in about


def test_hostile_query_strings_on_the_page(client):
    for query in ("window=%3Cscript%3E", "category=cs.CL%27--", "code=1&page=99999", "page=-1"):
        response = client.get(f"/papers/trending?{query}")
        assert response.status_code == 200, query
        assert "<script>" not in response.content.decode()


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
    services.code_links_scan()  # the automatic scan never overrides a person's choice
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
