"""Star history: API refreshes, backfills and star files loaded."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from paperfeed.trending import stars
from paperfeed.trending.models import Repository, StarSnapshot
from tests.factories import PaperFactory

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
        summary = stars.stars_refresh(client=client, budget=10)
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
        summary = stars.stars_refresh(client=client, budget=1)
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
        summary = stars.stars_refresh(client=client, budget=10)
    assert "resets at" in summary.stopped and summary.asked == 1
    assert len(github_server.requests) == 1 and sleeps == []


def test_clock_backwards_and_unstarring_keep_every_snapshot(caplog):
    repo = _repo("github.com/acme/x")
    t = datetime(2026, 5, 1, tzinfo=UTC)
    stars.star_snapshot_record(repository=repo, stars=100, taken_at=t)
    caplog.set_level(logging.INFO)
    stars.star_snapshot_record(repository=repo, stars=120, taken_at=t - timedelta(hours=2))
    stars.star_snapshot_record(repository=repo, stars=90, taken_at=t + timedelta(days=1))
    points = list(repo.snapshots.order_by("taken_at").values_list("taken_at", "stars"))
    assert [s for _, s in points] == [100, 120, 90]
    assert points[1][0] == t + timedelta(seconds=1)
    assert "clock went backwards" in caplog.text and "stars fell from 120 to 90" in caplog.text


def test_backfill_from_the_newest_stargazer_pages(github_server, client_for):
    repo = _repo("github.com/acme/fast-attn")
    github_server.on("/repos/acme/fast-attn", "repo_ok.json")  # 1,523 stars: 16 pages
    github_server.on("/repos/acme/fast-attn/stargazers", "stargazers_page.json")
    with client_for() as client:
        written = stars.stars_backfill(client=client, repository=repo, max_pages=1)
    assert written >= 3
    assert "page=16" in github_server.requests[1][0]
    counts = list(repo.snapshots.order_by("taken_at").values_list("stars", flat=True))
    assert counts == sorted(counts) and counts[-1] == 1523
