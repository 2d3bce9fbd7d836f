"""The bulk computation and the stored scores (paperfeed/trending/scores.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperfeed.trending import scores, selectors
from paperfeed.trending.models import Repository, StarSnapshot, TrendingRun, TrendingScore

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 11, 12, tzinfo=UTC)


def test_recompute_stores_scores_with_components_and_filters(scored_catalogue):
    hot, starry, stale = scored_catalogue
    run = scores.trending_scores_recompute(now=NOW)
    assert run.as_of == datetime(2026, 4, 11, tzinfo=UTC) and run.replay_of is None
    listing = selectors.trending_papers(window="week")
    assert [row.paper.pk for row in listing.rows] == [starry.pk, hot.pk]
    assert listing.total == 2  # stale: no signal
    first = listing.rows[0]
    assert first.trending is not None
    c = first.trending.components
    assert c["stars_gained"] == 2200 and c["star_velocity"] == pytest.approx(2200 / 7)
    assert c["upvotes_in_window"] == 2 and first.upvotes == 2
    assert first.trending.score == pytest.approx(c["upvote_component"] + c["star_component"])
    assert first.trending.as_of == run.as_of
    assert selectors.trending_papers(window="week", category="cs.CV").total == 1
    with_code = selectors.trending_papers(window="week", with_code=True)
    assert [row.paper.pk for row in with_code.rows] == [starry.pk]
    month = selectors.trending_papers(window="month")
    assert stale.pk not in [row.paper.pk for row in month.rows]  # 300 upvotes before the window
    starry.refresh_from_db()
    assert starry.code_stars is None  # no Repository.stars yet: nothing to copy


def test_a_window_without_signal_falls_back_to_the_latest_that_has(scored_catalogue):
    hot, starry, _stale = scored_catalogue
    # The newest signal is a star count of a repository no paper links to, weeks later.
    lonely = Repository.objects.create(key="github.com/x/y", host="github.com", full_name="x/y")
    StarSnapshot.objects.create(
        repository=lonely, stars=5, taken_at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    computation = scores.compute_trending(now=datetime(2026, 6, 2, tzinfo=UTC))
    assert computation.as_of == datetime(2026, 6, 1, tzinfo=UTC)
    # Nothing ranks in the week to 1 June; the newest moment that ranks is 11 April.
    assert computation.window_as_of["week"] == datetime(2026, 4, 11, tzinfo=UTC)
    week = {row.paper_id for row in computation.rows if row.window == "week"}
    assert week == {hot.pk, starry.pk}


def test_recompute_as_of_replays_a_past_day(scored_catalogue):
    _hot, _starry, stale = scored_catalogue
    run = scores.trending_scores_recompute(now=NOW, as_of=date(2026, 3, 2))
    assert run.replay_of == date(2026, 3, 2)
    assert run.as_of == datetime(2026, 3, 2, tzinfo=UTC)  # the day's featured counts
    stored = TrendingScore.objects.filter(window="week")
    assert list(stored.values_list("paper_id", flat=True)) == [stale.pk]
    assert stored.get().components["upvotes_in_window"] == 300
    listing = selectors.trending_papers(window="week")
    assert listing.replay_of == date(2026, 3, 2) and not listing.stale
    assert listing.rows[0].upvotes == 300
    # The next normal run ends the replay.
    scores.trending_scores_recompute(now=NOW)
    assert TrendingRun.objects.first().replay_of is None
    assert selectors.trending_papers(window="week").replay_of is None


def test_an_empty_catalogue_scores_nothing_and_says_so():
    computation = scores.compute_trending(now=NOW)
    assert computation.rows == [] and computation.as_of == NOW
    listing = selectors.trending_papers(window="week")
    assert listing.rows == [] and listing.total == 0 and not listing.stale
