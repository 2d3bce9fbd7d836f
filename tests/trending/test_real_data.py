"""Validation on real data from ../shared (skipped when it is absent)."""

from __future__ import annotations

import csv
import io
import math
import statistics
import tarfile
from datetime import UTC, date, datetime, timedelta

import pytest

from paperfeed.trending import ranking

RANKING = "github_ranking_stars/daily_2025-09-06_to_2026-08-22.tar.xz"


def _ranking_series(path, first_day: date) -> dict[str, list[ranking.Point]]:
    """repo_name -> [(day, stars)] from every daily CSV on or after ``first_day``."""
    series: dict[str, dict[datetime, int]] = {}
    with tarfile.open(path) as tar:
        for member in tar:
            name = member.name.rsplit("/", 1)[-1]
            if not name.startswith("github-ranking-"):
                continue
            day = date.fromisoformat(name.removeprefix("github-ranking-")[:10])
            if day < first_day:
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            when = datetime(day.year, day.month, day.day, tzinfo=UTC)
            for row in csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8")):
                try:
                    stars = int(row["stars"])
                except (KeyError, ValueError):
                    continue
                series.setdefault(row["repo_url"].lower(), {})[when] = stars
    return {repo: sorted(points.items()) for repo, points in series.items()}


@pytest.fixture(scope="module")
def last_month(request):
    from tests.conftest import SHARED

    path = SHARED / "data" / RANKING
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return _ranking_series(path, date(2026, 7, 20))


def test_star_velocity_ranks_the_largest_real_recent_gains_first(last_month):
    end = max(p[0] for points in last_month.values() for p in points)
    start = end - timedelta(days=30)
    velocities = {
        repo: ranking.star_velocity(points, start=start, end=end)
        for repo, points in last_month.items()
    }
    by_velocity = sorted(velocities, key=lambda r: velocities[r].per_day, reverse=True)
    # Checked by hand: the raw gain between the snapshot at the window's start and the last one.
    raw_gain = {}
    for repo, points in last_month.items():
        base = ranking.value_at(points, start)
        if base and points[-1][0] == end:
            raw_gain[repo] = points[-1][1] - base[1]
    top_by_hand = sorted(raw_gain, key=raw_gain.get, reverse=True)[:10]
    # The slice: repositories in the lists for the whole window (newcomers have no baseline at
    # its start, so their velocity is over a shorter span and is not comparable by hand).
    tracked = [repo for repo in by_velocity if repo in raw_gain]
    assert tracked[:10] == top_by_hand
    leader = by_velocity[0]
    print("top 5 by 30-day velocity:")
    for repo in by_velocity[:5]:
        v = velocities[repo]
        print(f"  {repo}: +{v.gained} stars in {v.span_days:.0f} d = {v.per_day:.0f}/day")
    assert velocities[leader].per_day > 100  # a real trending repository, not noise


def test_log_compression_stops_the_biggest_repositories_dominating(last_month):
    end = max(p[0] for points in last_month.values() for p in points)
    start = end - timedelta(days=30)
    params = ranking.ScoreParams()
    per_day = {
        repo: ranking.star_velocity(points, start=start, end=end).per_day
        for repo, points in last_month.items()
    }
    gaining = {repo: v for repo, v in per_day.items() if v > 0}
    top, median = max(gaining.values()), statistics.median(gaining.values())
    linear_ratio = top / median
    log_ratio = ranking.star_component(velocity=top, params=params) / ranking.star_component(
        velocity=median, params=params
    )
    print(f"{len(gaining)} repositories gaining; top {top:.0f}/day, median {median:.1f}/day")
    print(f"linear top/median = {linear_ratio:.0f}x, log1p top/median = {log_ratio:.1f}x")
    assert linear_ratio > 1000 and log_ratio < linear_ratio / 500
    # Share of the single biggest gainer in the total star signal of the 100 fastest.
    fastest = sorted(gaining.values(), reverse=True)[:100]
    linear_share = fastest[0] / sum(fastest)
    log_share = math.log1p(fastest[0]) / sum(math.log1p(v) for v in fastest)
    print(f"top gainer's share of the 100 fastest: linear {linear_share:.1%}, log {log_share:.1%}")
    assert log_share < 0.03 < linear_share
    # A paper with 50 upvotes on its first day is level with the fastest real star gainer.
    hot_paper = ranking.score(
        upvotes_in_window=50, stars_gained=0, star_velocity=0, age_days=1, params=params
    )
    assert hot_paper is not None
    assert hot_paper.score > params.star_weight * math.log1p(top) * 0.9


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_hf_replay_list_moves_as_upvotes_arrive_and_age(shared_dir):
    from django.test import TestCase

    from paperfeed.ingest.sources import papers_import_files
    from paperfeed.trending import scores, selectors
    from paperfeed.trending.models import UpvoteSnapshot

    tars = sorted((shared_dir / "data" / "hf_daily_papers").glob("*.tar.xz"))
    with TestCase.captureOnCommitCallbacks(execute=True):  # as after each committed batch
        papers_import_files(paths=[str(p) for p in tars])
    assert UpvoteSnapshot.objects.count() > 3000
    tops = {}
    for day in (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 9)):
        now = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
        rows = scores.compute_trending(now=now, windows=["week"]).rows
        rows.sort(key=lambda r: r.breakdown.score, reverse=True)
        tops[day] = [(r.paper_id, round(r.breakdown.score, 2)) for r in rows[:5]]
        print(day, tops[day])
    leaders = [tops[d][0][0] for d in tops]
    assert len(set(leaders)) > 1, "the list never moved"
    first, later = tops[date(2026, 3, 2)][0], tops[date(2026, 3, 9)]
    assert first[0] not in [pid for pid, _ in later[:1]], "a week later the old leader has sunk"
    # The page's selector: today (long after the archive ends) is never blank and says so;
    # a replay of 2 March shows the same leader as the computation of that moment.
    now_list = selectors.trending_papers(window="week")
    assert now_list.rows and now_list.stale
    replay = selectors.trending_papers(window="week", as_of=date(2026, 3, 1))
    assert replay.replay_of == date(2026, 3, 1)
    assert replay.rows[0].paper.pk == tops[date(2026, 3, 2)][0][0]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_stars_load_of_the_shared_daily_file(shared_dir):
    from paperfeed.trending import stars
    from paperfeed.trending.models import Repository, StarSnapshot
    from tests.factories import PaperFactory

    path = shared_dir / "data" / RANKING
    PaperFactory(code_url="https://github.com/hiyouga/LLaMA-Factory")
    PaperFactory(code_url="https://github.com/nobody/not-in-the-lists")
    summary = stars.stars_load(path=str(path))
    print(summary)
    assert summary.files == 341 and summary.counts_read > 1_000_000
    assert sum(summary.rejected.values()) == 0
    assert summary.repositories_matched == 1  # only the linked repository that is listed
    repo = Repository.objects.get(key="github.com/hiyouga/llama-factory")
    series = list(repo.snapshots.order_by("taken_at").values_list("stars", flat=True))
    assert len(series) == summary.snapshots_added > 100
    assert series[-1] > series[0] > 10_000  # a real, growing star count
    assert StarSnapshot.objects.count() == len(series)


@pytest.mark.long
def test_code_links_of_the_real_hf_scrapes_are_the_papers_own(shared_dir):
    from paperfeed.ingest.parsers.hf_daily import parse_hf_scrape_path
    from paperfeed.papers.records import PaperRecord
    from paperfeed.trending.linkchoice import choose_links

    archive = shared_dir / "data/hf_daily_papers"
    [path] = archive.glob("*.tar.xz")
    chosen = {}
    for record in parse_hf_scrape_path(path):
        if not isinstance(record, PaperRecord):
            continue
        comment = record.featured.comment if record.featured else ""
        choice = choose_links(
            title=record.title or "",
            source_code=[record.code_url] if record.code_url else [],
            comments=[comment],
        )
        chosen[record.arxiv_id] = choice
    helios = chosen["2603.04379"]
    assert helios.code is not None and helios.code.key == "github.com/pku-yuangroup/helios"
    assert helios.project_page == "https://pku-yuangroup.github.io/Helios-Page/"
    # Pull requests of sglang, vllm and diffusers are on many pages; none becomes a code link.
    keys = [c.code.key for c in chosen.values() if c.code]
    assert len(keys) > 2000
    assert not {"github.com/sgl-project/sglang", "github.com/huggingface/diffusers"} & set(keys)
    assert sum(1 for c in chosen.values() if c.project_page) > 300
