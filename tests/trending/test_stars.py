"""Star history: API refreshes, backfills and star files loaded."""

from __future__ import annotations

import io
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


# --- Star files --------------------------------------------------------------------------------


def _star_files(tmp_path):
    import tarfile

    from tests.trending.test_starfiles import DAY1

    archive = tmp_path / "daily.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for day, stars in (("2026-04-03", "900"), ("2026-04-10", "3100")):
            data = DAY1.replace(",3100,", f",{stars},").encode()
            info = tarfile.TarInfo(f"Data/github-ranking-{day}.csv")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    plain = tmp_path / "github-ranking-2026-04-11.csv"
    plain.write_text(DAY1.replace(",3100,", ",3300,"))
    return archive, plain


def test_load_takes_linked_repositories_only_and_twice_adds_nothing(tmp_path):
    archive, plain = _star_files(tmp_path)
    paper = PaperFactory(code_url="https://github.com/acme/rocket")
    seen: list[str] = []
    summary = stars.stars_load(path=str(archive), progress=seen.append)
    assert seen == ["github-ranking-2026-04-03.csv", "github-ranking-2026-04-10.csv"]
    assert (summary.files, summary.counts_read, summary.counts_matched) == (2, 4, 2)
    assert (summary.snapshots_added, summary.repositories_created) == (2, 1)
    assert sum(summary.rejected.values()) == 8 and summary.rejected["star count out of range"] == 2
    assert any(":5: star count is not a whole number" in line for line in summary.examples)
    repo = Repository.objects.get(key="github.com/acme/rocket")
    assert repo.stars == 3100  # never asked through the API: the newest loaded count
    again = stars.stars_load(path=str(archive))
    assert again.snapshots_added == 0 and again.repositories_created == 0
    stars.stars_load(path=str(plain))
    points = list(repo.snapshots.order_by("taken_at").values_list("taken_at", "stars", "source"))
    assert points == [
        (datetime(2026, 4, 3, tzinfo=UTC), 900, "import"),
        (datetime(2026, 4, 10, tzinfo=UTC), 3100, "import"),
        (datetime(2026, 4, 11, tzinfo=UTC), 3300, "import"),
    ]
    assert not Repository.objects.filter(key="github.com/x/lib").exists()
    assert paper.code_url  # the paper itself is not touched


def test_load_all_takes_every_repository(tmp_path):
    archive, _ = _star_files(tmp_path)
    summary = stars.stars_load(path=str(archive), all_repositories=True)
    assert summary.repositories_matched == 2 and summary.snapshots_added == 4
    assert set(Repository.objects.values_list("key", flat=True)) == {
        "github.com/acme/rocket",
        "github.com/x/lib",
    }


def test_loaded_stars_feed_the_score(tmp_path):
    from paperfeed.trending import scores
    from tests.factories import catalogue_paper

    archive, _ = _star_files(tmp_path)
    paper = catalogue_paper(
        "2604.00031",
        published=datetime(2026, 4, 9, tzinfo=UTC),
        code_url="https://github.com/acme/rocket",
    )
    stars.stars_load(path=str(archive))
    computation = scores.compute_trending(now=datetime(2026, 4, 10, 12, tzinfo=UTC))
    week = next(r for r in computation.rows if r.window == "week" and r.paper_id == paper.pk)
    assert week.breakdown.stars_gained == 2200
    assert week.breakdown.star_velocity == pytest.approx(2200 / 7)


def test_load_command_reports_and_refuses_clearly(tmp_path):
    from django.core.management import CommandError, call_command

    archive, _ = _star_files(tmp_path)
    PaperFactory(code_url="https://github.com/acme/rocket")
    out, err = io.StringIO(), io.StringIO()
    call_command("stars", "load", str(archive), "--no-progress", stdout=out, stderr=err)
    assert "2 files, 4 daily counts read; 2 of repositories papers link to" in out.getvalue()
    assert "2 snapshots added" in out.getvalue()
    assert "8 rows rejected" in err.getvalue() and "not a GitHub repository" in err.getvalue()
    with pytest.raises(CommandError, match="no such file"):
        call_command("stars", "load", str(tmp_path / "missing.tar.xz"))


def test_recompute_command_as_of(scored_catalogue):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("stars", "recompute", "--as-of", "2026-03-02", stdout=out)
    assert "as of 2026-03-02 00:00 UTC (replay of 2026-03-02)" in out.getvalue()
    for bad, message in (("2026-13-01", "YYYY-MM-DD"), ("2999-01-01", "in the future")):
        with pytest.raises(CommandError, match=message):
            call_command("stars", "recompute", "--as-of", bad)
