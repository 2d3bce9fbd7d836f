"""The score's pure maths (paperfeed/trending/ranking.py), on small hand-made series."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from paperfeed.trending import ranking

T0 = datetime(2026, 4, 1, tzinfo=UTC)
PARAMS = ranking.ScoreParams()


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# --- Upvote momentum: gravity ------------------------------------------------------------------


def test_momentum_is_upvotes_over_a_power_of_age():
    assert ranking.upvote_momentum(upvotes=10, age_days=2, params=PARAMS) == pytest.approx(
        10 / 4**1.5
    )
    fresh = ranking.upvote_momentum(upvotes=10, age_days=0, params=PARAMS)
    week = ranking.upvote_momentum(upvotes=10, age_days=7, params=PARAMS)
    assert fresh > week > 0


def test_more_gravity_sinks_old_papers_faster():
    light = ranking.ScoreParams(gravity=1.0)
    heavy = ranking.ScoreParams(gravity=2.0)
    ratio_light = ranking.upvote_momentum(upvotes=10, age_days=10, params=light) / (
        ranking.upvote_momentum(upvotes=10, age_days=0, params=light)
    )
    ratio_heavy = ranking.upvote_momentum(upvotes=10, age_days=10, params=heavy) / (
        ranking.upvote_momentum(upvotes=10, age_days=0, params=heavy)
    )
    assert ratio_heavy < ratio_light < 1


def test_momentum_edge_cases():
    assert ranking.upvote_momentum(upvotes=0, age_days=1, params=PARAMS) == 0
    assert ranking.upvote_momentum(upvotes=-3, age_days=1, params=PARAMS) == 0
    # A paper "from the future" (clock skew) counts as brand new, not as a division blow-up.
    assert ranking.upvote_momentum(upvotes=4, age_days=-5, params=PARAMS) == pytest.approx(
        ranking.upvote_momentum(upvotes=4, age_days=0, params=PARAMS)
    )


def test_score_refuses_papers_older_than_the_maximum_age():
    assert ranking.score(
        upvotes_in_window=100, stars_gained=0, star_velocity=0, age_days=61, params=PARAMS
    ) is None  # fmt: skip
    kept = ranking.score(
        upvotes_in_window=100, stars_gained=0, star_velocity=0, age_days=60, params=PARAMS
    )
    assert kept is not None and kept.score > 0


def test_score_adds_the_weighted_parts_and_explains_them():
    params = ranking.ScoreParams(upvote_weight=2.0, star_weight=0.5)
    breakdown = ranking.score(
        upvotes_in_window=8, stars_gained=70, star_velocity=10.0, age_days=2, params=params
    )
    assert breakdown is not None
    momentum = 8 / 4**1.5
    assert breakdown.upvote_component == pytest.approx(2 * momentum)
    assert breakdown.star_component == pytest.approx(0.5 * math.log1p(10))
    assert breakdown.score == pytest.approx(2 * momentum + 0.5 * math.log1p(10))
    parts = breakdown.as_dict()
    assert parts["stars_gained"] == 70 and parts["upvotes_in_window"] == 8


def test_star_component_is_log_compressed_and_has_a_floor():
    assert ranking.star_component(velocity=0, params=PARAMS) == 0
    assert ranking.star_component(velocity=-4, params=PARAMS) == 0
    ten, hundred, thousand = (
        ranking.star_component(velocity=v, params=PARAMS) for v in (10, 100, 1000)
    )
    assert hundred - ten == pytest.approx(thousand - hundred, rel=0.05)
    floor = ranking.ScoreParams(min_star_velocity=5)
    assert ranking.star_component(velocity=4.9, params=floor) == 0
    assert ranking.star_component(velocity=5, params=floor) == pytest.approx(math.log1p(5))


# --- Series ------------------------------------------------------------------------------------


def test_gain_in_window_with_no_points_or_one_point():
    assert ranking.gain_in_window([], start=day(0), end=day(7)) == 0
    # One point inside the window: the count started at 0, so all of it was gained there.
    assert ranking.gain_in_window([(day(3), 12)], start=day(0), end=day(7)) == 12
    # One point before the window: nothing was gained in it.
    assert ranking.gain_in_window([(day(-1), 12)], start=day(0), end=day(7)) == 0
    # One point after the window: not known yet at its end.
    assert ranking.gain_in_window([(day(9), 12)], start=day(0), end=day(7)) == 0


def test_gain_in_window_never_negative():
    series = [(day(-1), 50), (day(2), 40), (day(5), 45)]  # unvotes inside the window
    assert ranking.gain_in_window(series, start=day(0), end=day(7)) == 0
    series = [(day(-1), 10), (day(2), 25), (day(8), 90)]
    assert ranking.gain_in_window(series, start=day(0), end=day(7)) == 15


def test_value_at_takes_the_last_point_not_after():
    series = [(day(0), 1), (day(1), 5), (day(2), 9)]
    assert ranking.value_at(series, day(1.5)) == (day(1), 5)
    assert ranking.value_at(series, day(1)) == (day(1), 5)
    assert ranking.value_at(series, day(-1)) is None


def test_star_velocity_over_the_snapshots_used():
    series = [(day(0), 100), (day(3), 400), (day(7), 800)]
    v = ranking.star_velocity(series, start=day(0), end=day(7))
    assert (v.gained, v.span_days) == (700, 7) and v.per_day == pytest.approx(100)
    # A start between snapshots uses the one just before it.
    v = ranking.star_velocity(series, start=day(2), end=day(7))
    assert v.gained == 700 and v.per_day == pytest.approx(100)


def test_star_velocity_edge_cases():
    assert ranking.star_velocity([], start=day(0), end=day(7)) == ranking.Velocity(0, 0.0, 0.0)
    one = ranking.star_velocity([(day(3), 500)], start=day(0), end=day(7))
    assert one.per_day == 0  # one snapshot: no history, no velocity
    # First watched inside the window: only what we saw it gain counts.
    late = ranking.star_velocity([(day(5), 500), (day(7), 700)], start=day(0), end=day(7))
    assert late.gained == 200 and late.per_day == pytest.approx(100)
    # Unstarring: the loss is reported, the velocity is never below 0.
    loss = ranking.star_velocity([(day(0), 500), (day(7), 430)], start=day(0), end=day(7))
    assert loss.gained == -70 and loss.per_day == 0
    # Two snapshots minutes apart do not make a huge velocity: the span is at least a day.
    close = ranking.star_velocity([(day(6.999), 100), (day(7), 103)], start=day(0), end=day(7))
    assert close.span_days == ranking.MIN_SPAN_DAYS and close.per_day == pytest.approx(3)


def test_far_future_windows_see_the_last_known_counts():
    series = [(day(0), 100), (day(7), 800)]
    far = datetime(2999, 1, 1, tzinfo=UTC)
    start, end = ranking.window_bounds(far, "week")
    assert end - start == timedelta(days=7)
    assert ranking.star_velocity(series, start=start, end=end).per_day == 0
    assert ranking.gain_in_window(series, start=start, end=end) == 0
    aged = ranking.score(
        upvotes_in_window=5, stars_gained=0, star_velocity=0, age_days=1e6, params=PARAMS
    )
    assert aged is None


def test_window_bounds():
    for window, days in ranking.WINDOW_DAYS.items():
        start, end = ranking.window_bounds(day(30), window)
        assert end == day(30) and start == day(30 - days)
    with pytest.raises(KeyError):
        ranking.window_bounds(day(0), "year")
