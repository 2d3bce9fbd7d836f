"""The trending score: pure maths, no Django. docs/trending.md explains it for readers.

For one paper and one window (a day, a week or a month ending at ``now``)::

    upvote_momentum = upvotes_in_window / (age_days + age_offset_days) ** gravity
    star_velocity   = stars gained over the window / days the snapshots span   (stars per day)
    star_component  = log(1 + star_velocity)      if star_velocity >= min_star_velocity, else 0
    score           = upvote_weight * upvote_momentum + star_weight * star_component

- The momentum is Hacker News' rule (points over a power of age), counted on the upvotes that
  arrived *in the window*, so a paper that stopped getting votes sinks even if its total is big.
- Stars are compressed with log1p: going from 10 to 100 stars a day adds as much as going from
  100 to 1,000, so one mega-repository cannot swamp every paper with a modest, real following.
- A paper older than ``max_age_days`` is not ranked at all (the relaunched Papers with Code API
  has the same two thresholds: maximum age and minimum velocity).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW_DAYS = {"day": 1, "week": 7, "month": 30}
# Snapshots closer together than this give a velocity from too little time to trust (a refresh
# two minutes apart that saw +3 stars is not "2,000 stars a day").
MIN_SPAN_DAYS = 1.0


@dataclass(frozen=True, slots=True)
class ScoreParams:
    upvote_weight: float = 1.0
    star_weight: float = 1.0
    gravity: float = 1.5
    age_offset_days: float = 2.0
    max_age_days: float = 60.0
    min_star_velocity: float = 0.0


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Every number the score is made of, so a reader can check it."""

    score: float
    upvotes_in_window: int
    upvote_momentum: float
    upvote_component: float
    stars_gained: int
    star_velocity: float
    star_component: float
    age_days: float

    def as_dict(self) -> dict[str, float]:
        return {
            "upvotes_in_window": float(self.upvotes_in_window),
            "upvote_momentum": round(self.upvote_momentum, 6),
            "upvote_component": round(self.upvote_component, 6),
            "stars_gained": float(self.stars_gained),
            "star_velocity": round(self.star_velocity, 6),
            "star_component": round(self.star_component, 6),
            "age_days": round(self.age_days, 3),
        }


def upvote_momentum(*, upvotes: int, age_days: float, params: ScoreParams) -> float:
    """Hacker-News-style gravity: upvotes over (age + offset) ** gravity."""
    if upvotes <= 0:
        return 0.0
    return upvotes / (max(age_days, 0.0) + params.age_offset_days) ** params.gravity


def star_component(*, velocity: float, params: ScoreParams) -> float:
    """log(1 + stars per day), or 0 below the minimum velocity."""
    if velocity <= 0 or velocity < params.min_star_velocity:
        return 0.0
    return math.log1p(velocity)


def score(
    *, upvotes_in_window: int, stars_gained: int, star_velocity: float, age_days: float,
    params: ScoreParams,
) -> Breakdown | None:  # fmt: skip
    """The breakdown for one paper, or None when it is too old to rank."""
    if age_days > params.max_age_days:
        return None
    momentum = upvote_momentum(upvotes=upvotes_in_window, age_days=age_days, params=params)
    stars = star_component(velocity=star_velocity, params=params)
    up_part = params.upvote_weight * momentum
    star_part = params.star_weight * stars
    return Breakdown(
        score=up_part + star_part,
        upvotes_in_window=max(upvotes_in_window, 0),
        upvote_momentum=momentum,
        upvote_component=up_part,
        stars_gained=stars_gained,
        star_velocity=star_velocity,
        star_component=star_part,
        age_days=max(age_days, 0.0),
    )


# --- Series: counts over time -> gains in a window ------------------------------------------


Point = tuple[datetime, int]


def value_at(points: Sequence[Point], when: datetime) -> Point | None:
    """The last point at or before ``when`` (points sorted by time), else None."""
    found = None
    for point in points:
        if point[0] > when:
            break
        found = point
    return found


def gain_in_window(points: Sequence[Point], *, start: datetime, end: datetime) -> int:
    """How much a count that starts at 0 grew between ``start`` and ``end``.

    Before its first point the count is taken as 0: an upvote count starts at zero when the
    paper appears, so a paper first seen inside the window gained all of its count there.
    A fall (an unvote) counts as no gain, never as a negative one.
    """
    last = value_at(points, end)
    if last is None:
        return 0
    before = value_at(points, start)
    return max(last[1] - (before[1] if before else 0), 0)


@dataclass(frozen=True, slots=True)
class Velocity:
    gained: int  # may be negative: stars lost to unstarring
    per_day: float  # never negative
    span_days: float


def star_velocity(points: Sequence[Point], *, start: datetime, end: datetime) -> Velocity:
    """Stars gained per day between the snapshot at (or just before) ``start`` and the last one
    at or before ``end``.

    With no snapshot before the window, the first one inside it is the baseline: a repository
    we only began to watch has no known history, so only what we saw it gain counts. The span
    is at least MIN_SPAN_DAYS. Losses (people unstarring) give a velocity of 0, not below.
    """
    last = value_at(points, end)
    if last is None:
        return Velocity(0, 0.0, 0.0)
    base = value_at(points, start)
    if base is None:
        base = next((p for p in points if p[0] >= start), None)
    if base is None or base[0] >= last[0]:
        return Velocity(0, 0.0, 0.0)
    gained = last[1] - base[1]
    span = max((last[0] - base[0]) / timedelta(days=1), MIN_SPAN_DAYS)
    return Velocity(gained, max(gained, 0) / span, span)


def window_bounds(now: datetime, window: str) -> tuple[datetime, datetime]:
    return now - timedelta(days=WINDOW_DAYS[window]), now
