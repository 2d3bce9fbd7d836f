"""The signals a trending window is scored from (paperfeed/trending/signals.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paperfeed.trending import scores, signals

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 11, 12, tzinfo=UTC)


def test_only_recent_or_signalled_papers_are_scored_and_the_scores_are_those_of_the_whole(
    scored_catalogue, monkeypatch
):
    """A recompute reads recent papers and those with a signal in the history a window needs;
    an old, quiet paper is left out in SQL, and the scores are the same as when every paper of
    the catalogue goes through the maths."""
    from django.contrib.auth import get_user_model

    from paperfeed.community.models import Upvote
    from paperfeed.papers.models import Paper
    from tests.factories import catalogue_paper

    hot, starry, stale = scored_catalogue
    old_quiet = catalogue_paper("2001.00001", published=datetime(2020, 1, 5, tzinfo=UTC))
    old_upvoted = catalogue_paper("2001.00002", published=datetime(2020, 1, 6, tzinfo=UTC))
    Upvote.objects.create(
        paper=old_upvoted,
        user=get_user_model().objects.create(username="reader"),
        created_at=datetime(2026, 4, 9, tzinfo=UTC),
    )
    moments = signals.signal_moments(now=NOW)
    picked = {
        facts[0]
        for facts in signals.candidates(
            latest=moments[0], earliest=moments[-1], params=scores.score_params()
        )
    }
    assert {hot.pk, starry.pk, stale.pk, old_upvoted.pk} <= picked
    assert old_quiet.pk not in picked

    def key(computation):
        return sorted((r.paper_id, r.window, r.breakdown.score) for r in computation.rows)

    some = scores.compute_trending(now=NOW)
    monkeypatch.setattr(
        signals,
        "candidates",
        lambda **_: list(
            Paper.objects.visible().values_list(
                "id", "published", "code_url", "upvote_count", "code_repo"
            )
        ),
    )
    every = scores.compute_trending(now=NOW)
    assert key(some) == key(every) and key(some)
    assert some.papers_considered < every.papers_considered
