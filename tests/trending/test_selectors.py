"""The typed trending list every surface reads (paperfeed/trending/selectors.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperfeed.community.services import upvote_add
from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow, TrendingInfo
from paperfeed.trending import scores, selectors
from paperfeed.trending.models import Repository, StarSnapshot, TrendingScore
from paperfeed.trending.selectors import trending_papers
from tests.factories import UserFactory, catalogue_paper

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 11, 12, tzinfo=UTC)


def test_trending_prefers_recent_upvotes():
    old = catalogue_paper("2602.00051", featured_on=date(2026, 2, 1), featured_upvotes=30)
    new = catalogue_paper("2602.00052", featured_on=date(2026, 2, 7), featured_upvotes=20)
    code = catalogue_paper(
        "2602.00053",
        featured_on=date(2026, 2, 7),
        featured_upvotes=1,
        code_url="https://github.com/a/b",
        code_stars=5,
    )
    listing = trending_papers(window="week", category=None, with_code=False, limit=10)
    assert [row.paper.pk for row in listing.rows] == [new.pk, old.pk, code.pk]
    assert listing.total == 3
    listing = trending_papers(window="week", category=None, with_code=True, limit=10)
    assert [row.paper.pk for row in listing.rows] == [code.pk]
    listing = trending_papers(window="day", category="cs.CL", with_code=False, limit=10)
    assert {row.paper.pk for row in listing.rows} == {new.pk, code.pk}


def test_rows_are_typed_and_show_the_live_upvote_count(scored_catalogue):
    hot, _starry, _stale = scored_catalogue
    scores.trending_scores_recompute(now=NOW)
    upvote_add(user=UserFactory(verified=True), paper=hot)  # after the recompute
    rows = trending_papers(window="week").rows
    assert all(isinstance(row, PaperRow) and isinstance(row.trending, TrendingInfo) for row in rows)
    hot_row = next(row for row in rows if row.paper.pk == hot.pk)
    assert hot_row.authors == ["Ada Lovelace"] and hot_row.categories == ["cs.CL"]
    assert hot_row.source_upvotes == 20 and hot_row.upvotes == 21  # live, not the stored 20
    assert hot_row.trending is not None
    assert hot_row.trending.components["upvotes_in_window"] == 20  # the "why" is as scored
    assert "total_upvotes" not in hot_row.trending.components


def test_hidden_papers_are_neither_scored_nor_listed(scored_catalogue):
    hot, starry, _stale = scored_catalogue
    scores.trending_scores_recompute(now=NOW)
    Paper.objects.filter(pk=starry.pk).update(hidden=True)  # hidden after the recompute
    listing = trending_papers(window="week")
    assert [row.paper.pk for row in listing.rows] == [hot.pk] and listing.total == 1
    scores.trending_scores_recompute(now=NOW)
    scored = set(TrendingScore.objects.values_list("paper_id", flat=True))
    assert hot.pk in scored and starry.pk not in scored


def test_the_stored_list_is_never_blank_when_history_exists(scored_catalogue):
    hot, starry, _stale = scored_catalogue
    lonely = Repository.objects.create(key="github.com/x/y", host="github.com", full_name="x/y")
    StarSnapshot.objects.create(
        repository=lonely, stars=5, taken_at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    scores.trending_scores_recompute(now=datetime(2026, 6, 2, tzinfo=UTC))
    listing = trending_papers(window="week")
    assert {row.paper.pk for row in listing.rows} == {hot.pk, starry.pk}
    assert listing.as_of == datetime(2026, 4, 11, tzinfo=UTC)
    assert listing.stale  # the week ending now has no signal


def test_the_list_before_any_recompute_is_computed_and_marked_stale(scored_catalogue):
    listing = trending_papers(window="day")
    # Today is long after April 2026: the latest day with votes or stars is shown, and said so.
    assert listing.rows and listing.stale and listing.replay_of is None
    assert listing.as_of == datetime(2026, 4, 11, tzinfo=UTC)


def test_replay_of_a_past_day_on_the_fly(scored_catalogue):
    _hot, _starry, stale = scored_catalogue
    scores.trending_scores_recompute(now=NOW)  # stored scores are not used for a replay
    listing = trending_papers(window="month", as_of=date(2026, 3, 5))
    assert [row.paper.pk for row in listing.rows] == [stale.pk]
    assert listing.replay_of == date(2026, 3, 5) and not listing.stale
    assert listing.as_of == datetime(2026, 3, 2, tzinfo=UTC)
    future = trending_papers(window="week", as_of=date(2999, 1, 1))
    assert future.replay_of is None and future.total == 2  # a future day is today


def test_histories_fill_the_rows_up_to_the_moment_scored(scored_catalogue):
    _hot, starry, _stale = scored_catalogue
    scores.trending_scores_recompute(now=NOW)
    rows = trending_papers(window="week").rows
    selectors.attach_histories(rows, days=30)
    starry_row = next(row for row in rows if row.paper.pk == starry.pk)
    assert [stars for _, stars in starry_row.star_points] == [100, 900, 3100]
    assert {count for _, count in starry_row.upvote_points} == {2}
    replay = trending_papers(window="week", as_of=date(2026, 4, 4)).rows
    selectors.attach_histories(replay, days=30)
    assert all(
        point[0] <= datetime(2026, 4, 5, tzinfo=UTC) for row in replay for point in row.star_points
    )


def test_who_may_edit_a_code_link_from_the_compiled_query():
    from paperfeed.community.models import AuthorClaim
    from tests.factories import AuthorFactory, FeaturedFactory, PaperFactory

    paper, other = PaperFactory(), PaperFactory()
    featurer, author, pending, elsewhere, stranger = (UserFactory() for _ in range(5))
    FeaturedFactory(paper=paper, featured_by=featurer)
    FeaturedFactory(paper=other, featured_by=elsewhere)
    for user, on, status in (
        (author, paper, AuthorClaim.Status.APPROVED),
        (pending, paper, AuthorClaim.Status.PENDING),
        (elsewhere, other, AuthorClaim.Status.APPROVED),
    ):
        AuthorClaim.objects.create(user=user, paper=on, author=AuthorFactory(), status=status)
    allowed = {
        user.username
        for user in (featurer, author, pending, elsewhere, stranger)
        if selectors.can_edit_code_link(user=user, paper_id=paper.pk, curator=False)
    }
    assert allowed == {featurer.username, author.username}
    assert selectors.can_edit_code_link(user=stranger, paper_id=paper.pk, curator=True)


def test_a_stored_page_reads_its_total_and_moment_with_its_rows(scored_catalogue):
    hot, starry, _stale = scored_catalogue
    scores.trending_scores_recompute(now=NOW)
    with CaptureQueriesContext(connection) as read:
        listing = trending_papers(window="week", limit=1)
    # One read of the scores: the page, with its total and moment on each row.
    assert sum('"trending_trendingscore"' in query["sql"] for query in read) == 1
    assert [row.paper.pk for row in listing.rows] == [starry.pk]
    assert listing.total == 2 and listing.as_of == datetime(2026, 4, 11, tzinfo=UTC)
    beyond = trending_papers(window="week", limit=1, offset=5)
    assert beyond.rows == [] and beyond.total == 2 and beyond.as_of == listing.as_of
    second = trending_papers(window="week", limit=1, offset=1)
    assert [row.paper.pk for row in second.rows] == [hot.pk] and second.total == 2


def test_the_ranking_computed_before_any_recompute_is_kept_until_a_new_signal(scored_catalogue):
    _hot, starry, _stale = scored_catalogue
    star_reads = '"trending_starsnapshot"."stars"'
    with CaptureQueriesContext(connection) as computed:
        listing = trending_papers(window="week")
    assert any(star_reads in query["sql"] for query in computed)
    # Another page, category or filter of the window reads the kept ranking, not the history.
    with CaptureQueriesContext(connection) as kept:
        in_vision = trending_papers(window="week", category="cs.CV")
    assert not any(star_reads in query["sql"] for query in kept)
    assert [row.paper.pk for row in in_vision.rows] == [starry.pk]
    assert in_vision.as_of == listing.as_of
    before = next(row for row in listing.rows if row.paper.pk == starry.pk)
    # A newer signal is a new moment to score at: the ranking is computed again.
    StarSnapshot.objects.create(
        repository=Repository.objects.get(key="github.com/acme/rocket"),
        stars=9100,
        taken_at=datetime(2026, 4, 11, tzinfo=UTC),
    )
    after = next(row for row in trending_papers(window="week").rows if row.paper.pk == starry.pk)
    assert before.trending is not None and after.trending is not None
    assert after.trending.as_of == datetime(2026, 4, 11, tzinfo=UTC)
    assert after.trending.components["stars_gained"] > before.trending.components["stars_gained"]
