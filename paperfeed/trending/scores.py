"""The trending score over the catalogue: the bulk computation and the stored scores.

- :func:`compute_trending` -- a few aggregate queries, then the pure maths of
  :mod:`paperfeed.trending.ranking`, for each window. A window is scored as of the newest signal
  (never after ``now``); when that window ranks nothing, it falls back to the newest earlier
  moment that does, so a catalogue with history never shows an empty list.
- :func:`trending_scores_recompute` -- replaces the stored scores in one transaction; with
  ``as_of`` it replays a past day.
- :func:`score_params` -- the host's live settings; :func:`paper_repository_keys` -- which
  repository each paper links to.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from paperfeed.community.models import Upvote
from paperfeed.papers.models import Featured, Paper
from paperfeed.papers.periods import FEATURED_FIRST_DAY
from paperfeed.papers.services import papers_code_stars_set
from paperfeed.trending import codelinks, ranking
from paperfeed.trending.models import (
    Repository,
    StarSnapshot,
    TrendingRun,
    TrendingScore,
    UpvoteSnapshot,
)

logger = logging.getLogger(__name__)

WINDOWS = ranking.WINDOW_DAYS
# History older than this before a window is not needed to score it.
HISTORY_SLACK = timedelta(days=45)


def score_params() -> ranking.ScoreParams:
    return ranking.ScoreParams(
        upvote_weight=settings.PAPERFEED_TRENDING_UPVOTE_WEIGHT,
        star_weight=settings.PAPERFEED_TRENDING_STAR_WEIGHT,
        gravity=settings.PAPERFEED_TRENDING_GRAVITY,
        age_offset_days=settings.PAPERFEED_TRENDING_AGE_OFFSET_DAYS,
        max_age_days=settings.PAPERFEED_TRENDING_MAX_AGE_DAYS,
        min_star_velocity=settings.PAPERFEED_TRENDING_MIN_STAR_VELOCITY,
    )


def day_end(day: date) -> datetime:
    """The first moment after ``day`` (UTC): what is known "by the end of" that day."""
    return datetime.combine(day, clock.min, tzinfo=UTC) + timedelta(days=1)


def paper_repository_keys(code_urls: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Normal repository key for each (paper id, code_url); unusable URLs are left out."""
    keys: dict[int, str] = {}
    cache: dict[str, str | None] = {}
    for paper_id, url in code_urls:
        if not url:
            continue
        if url not in cache:
            outcome = codelinks.normalise_repo_url(url)
            cache[url] = outcome.key if isinstance(outcome, codelinks.CodeLink) else None
        key = cache[url]
        if key:
            keys[paper_id] = key
    return keys


@dataclass(slots=True)
class ScoredPaper:
    paper_id: int
    window: str
    breakdown: ranking.Breakdown
    total_upvotes: int
    has_code: bool


@dataclass(slots=True)
class Computation:
    # The newest signal at or before the moment asked for.
    as_of: datetime
    papers_considered: int
    rows: list[ScoredPaper]
    # paper id -> current star count of its repository, for Paper.code_stars.
    stars_by_paper: dict[int, int]
    # The end of the window each window's rows were scored over: ``as_of``, or an earlier
    # moment when nothing ranked at ``as_of`` (see compute_trending).
    window_as_of: dict[str, datetime] = field(default_factory=dict)


def signal_moments(*, now: datetime) -> list[datetime]:
    """The newest moment of each kind of signal (source upvotes, featured days, local upvotes,
    stars), never later than ``now``, newest first and without repeats.

    Scores are "as of" the first, so an instance fed with older data (or a replay) still ranks
    what it has instead of showing an empty list.
    """

    candidates: set[datetime] = set()
    for value in (
        UpvoteSnapshot.objects.filter(taken_at__lte=now).aggregate(m=Max("taken_at"))["m"],
        StarSnapshot.objects.filter(taken_at__lte=now).aggregate(m=Max("taken_at"))["m"],
        Upvote.objects.filter(created_at__lte=now).aggregate(m=Max("created_at"))["m"],
    ):
        if value is not None:
            candidates.add(value)
    # From the first possible featured day: a day stored before curators' days were checked
    # (0001-01-01) must not become a moment to score at.
    day = Featured.objects.filter(day__range=(FEATURED_FIRST_DAY, now.date())).aggregate(
        m=Max("day")
    )["m"]
    if day is not None:
        candidates.add(min(day_end(day), now))
    return sorted(candidates, reverse=True)


def _running_max(raw: dict[int, list[ranking.Point]]) -> dict[int, list[ranking.Point]]:
    """Counts at a source only grow: a later read of 0 (a timing glitch) is not a loss."""
    series: dict[int, list[ranking.Point]] = {}
    for paper_id, points in raw.items():
        points.sort()
        top = 0
        merged: list[ranking.Point] = []
        for when, count in points:
            top = max(top, count)
            merged.append((when, top))
        series[paper_id] = merged
    return series


def upvote_series(
    *, as_of: datetime, since: datetime | None = None, paper_ids: Sequence[int] | None = None
) -> dict[int, list[ranking.Point]]:
    """Source upvote counts over time per paper, from import snapshots and featured days (a
    featured row is the count known by the end of its day), as a running maximum."""
    snapshots = UpvoteSnapshot.objects.filter(taken_at__lte=as_of)
    featured = Featured.objects.filter(day__lte=as_of.date())
    if since is not None:
        snapshots = snapshots.filter(taken_at__gt=since)
        featured = featured.filter(day__gt=since.date())
    if paper_ids is not None:
        snapshots = snapshots.filter(paper_id__in=list(paper_ids))
        featured = featured.filter(paper_id__in=list(paper_ids))
    raw: dict[int, list[ranking.Point]] = defaultdict(list)
    for paper_id, taken_at, count in snapshots.values_list("paper_id", "taken_at", "count"):
        raw[paper_id].append((taken_at, count))
    for paper_id, day, upvotes in featured.values_list("paper_id", "day", "upvotes"):
        raw[paper_id].append((min(day_end(day), as_of), upvotes))
    return _running_max(raw)


def _featured_days(*, as_of: datetime) -> dict[int, datetime]:
    """The first recent featured day (its start) of each paper featured in the last month.

    A paper's age counts from that day rather than from its arXiv date: featuring is when the
    community first sees it (HF often features papers days or weeks after arXiv lists them).
    """
    since = (as_of - timedelta(days=max(WINDOWS.values()) + 1)).date()
    return {
        paper_id: datetime.combine(day, clock.min, tzinfo=UTC)
        for paper_id, day in Featured.objects.filter(day__gte=since, day__lte=as_of.date())
        .values("paper_id")
        .annotate(first=Min("day"))
        .values_list("paper_id", "first")
    }


def _star_series(*, as_of: datetime, keys: set[str]) -> dict[str, list[ranking.Point]]:
    """Star counts over time of the repositories ``keys`` (those papers link to: `stars load
    --all` also stores thousands that none do), in chunks of ids."""
    since = as_of - timedelta(days=max(WINDOWS.values())) - HISTORY_SLACK
    wanted = {pk: key for pk, key in Repository.objects.values_list("id", "key") if key in keys}
    ids = sorted(wanted)
    series: dict[str, list[ranking.Point]] = defaultdict(list)
    for first in range(0, len(ids), 500):
        for repo_id, taken_at, stars in (
            StarSnapshot.objects.filter(
                repository_id__in=ids[first : first + 500], taken_at__gt=since, taken_at__lte=as_of
            )
            .order_by("repository_id", "taken_at")
            .values_list("repository_id", "taken_at", "stars")
        ):
            series[wanted[repo_id]].append((taken_at, stars))
    return series


def _local_upvotes(*, start: datetime, end: datetime) -> dict[int, int]:
    return dict(
        Upvote.objects.filter(created_at__gt=start, created_at__lte=end)
        .values("paper_id")
        .annotate(n=Count("id"))
        .values_list("paper_id", "n")
    )


# (id, published, code_url, local upvote count) of every visible paper.
PaperFacts = tuple[int, datetime, str, int]


@dataclass(slots=True)
class _Signals:
    """Everything a window ending at ``as_of`` is scored from."""

    as_of: datetime
    upvotes: dict[int, list[ranking.Point]]
    featured_at: dict[int, datetime]
    stars: dict[str, list[ranking.Point]]

    @classmethod
    def load(cls, as_of: datetime, repo_keys: set[str]) -> _Signals:
        since = as_of - timedelta(days=max(WINDOWS.values())) - HISTORY_SLACK
        return cls(
            as_of=as_of,
            upvotes=upvote_series(as_of=as_of, since=since),
            featured_at=_featured_days(as_of=as_of),
            stars=_star_series(as_of=as_of, keys=repo_keys),
        )


def _score_window(
    signals: _Signals,
    window: str,
    papers: list[PaperFacts],
    repo_keys: dict[int, str],
    params: ranking.ScoreParams,
) -> list[ScoredPaper]:
    as_of = signals.as_of
    start, end = ranking.window_bounds(as_of, window)
    oldest = as_of - timedelta(days=params.max_age_days)
    local = _local_upvotes(start=start, end=end)
    # A paper featured in the window is listed even before its first upvote: being featured
    # is itself a signal, and a freshly featured day should not look empty.
    start_day = datetime.combine(start.date(), clock.min, tzinfo=UTC)
    velocities = {
        key: ranking.star_velocity(points, start=start, end=end)
        for key, points in signals.stars.items()
    }
    rows: list[ScoredPaper] = []
    for paper_id, published, code_url, upvote_count in papers:
        if published > as_of:
            continue
        arrived = signals.featured_at.get(paper_id, published)
        if arrived < oldest and paper_id not in signals.upvotes and paper_id not in local:
            continue  # too old and no signal: skip the maths
        series = signals.upvotes.get(paper_id, ())
        gained = ranking.gain_in_window(series, start=start, end=end) + local.get(paper_id, 0)
        key = repo_keys.get(paper_id)
        velocity = velocities.get(key) if key else None
        featured_at = signals.featured_at.get(paper_id)
        featured_in_window = featured_at is not None and featured_at >= start_day
        no_signal = gained <= 0 and (velocity is None or velocity.per_day <= 0)
        if no_signal and not featured_in_window:
            continue  # not trending
        breakdown = ranking.score(
            upvotes_in_window=gained,
            stars_gained=velocity.gained if velocity else 0,
            star_velocity=velocity.per_day if velocity else 0.0,
            age_days=(as_of - arrived) / timedelta(days=1),
            params=params,
        )
        if breakdown is None or (breakdown.score <= 0 and not featured_in_window):
            continue
        source_now = ranking.value_at(series, end) if series else None
        rows.append(
            ScoredPaper(
                paper_id=paper_id,
                window=window,
                breakdown=breakdown,
                total_upvotes=(source_now[1] if source_now else 0) + upvote_count,
                has_code=bool(code_url),
            )
        )
    return rows


def _candidates(
    *, latest: datetime, earliest: datetime, params: ranking.ScoreParams
) -> list[PaperFacts]:
    """The visible papers that could score in some window ending at a moment from ``earliest``
    to ``latest``: recent enough, or with a signal (a source count, a featured day, a local
    upvote) since the history a window reads. :func:`_score_window` skips every other paper
    anyway; leaving them out in SQL makes a recompute grow with recent papers, not with the
    catalogue.
    """
    since = earliest - timedelta(days=max(WINDOWS.values())) - HISTORY_SLACK
    signalled = (
        Q(pk__in=UpvoteSnapshot.objects.filter(taken_at__gt=since).values("paper_id"))
        | Q(pk__in=Featured.objects.filter(day__gt=since.date()).values("paper_id"))
        | Q(pk__in=Upvote.objects.filter(created_at__gt=since).values("paper_id"))
    )
    recent = Q(published__gte=earliest - timedelta(days=params.max_age_days))
    return list(
        Paper.objects.visible()
        .filter(published__lte=latest)
        .filter(recent | signalled)
        .values_list("id", "published", "code_url", "upvote_count")
    )


def compute_trending(
    *,
    now: datetime | None = None,
    params: ranking.ScoreParams | None = None,
    windows: Sequence[str] = tuple(WINDOWS),
) -> Computation:
    """Score every paper for each window, in a few bulk queries and pure Python.

    Each window ends at the newest signal. If nothing ranks there (the newest signal is, say, a
    star count of a repository no recent paper links to), the window moves back to the newest
    moment of each other kind of signal in turn, so the list is empty only when no moment
    ranks anything.
    """
    params = params or score_params()
    now = now or timezone.now()
    moments = signal_moments(now=now) or [now]
    papers = _candidates(latest=moments[0], earliest=moments[-1], params=params)
    # Every linked repository, not only the candidates': Paper.code_stars follows the star
    # counts over the whole catalogue.
    repo_keys = paper_repository_keys(
        Paper.objects.visible().exclude(code_url="").values_list("id", "code_url")
    )
    linked = set(repo_keys.values())
    loaded: dict[datetime, _Signals] = {}
    rows: list[ScoredPaper] = []
    window_as_of: dict[str, datetime] = {}
    for window in windows:
        window_as_of[window] = moments[0]
        for moment in moments:
            if moment not in loaded:
                loaded[moment] = _Signals.load(moment, linked)
            scored = _score_window(loaded[moment], window, papers, repo_keys, params)
            if scored:
                window_as_of[window] = moment
                rows.extend(scored)
                break
    current = {
        key: int(stars)
        for key, stars in Repository.objects.exclude(stars=None).values_list("key", "stars")
        if stars is not None
    }
    stars_by_paper = {pid: current[key] for pid, key in repo_keys.items() if key in current}
    return Computation(moments[0], len(papers), rows, stars_by_paper, window_as_of)


def trending_scores_recompute(
    *,
    now: datetime | None = None,
    params: ranking.ScoreParams | None = None,
    as_of: date | None = None,
) -> TrendingRun:
    """Score every paper for every window and replace the stored scores in one transaction.

    ``as_of`` replays a past day: the scores are those the end of that day would have shown
    (the run records it, so the pages say it is a replay until the next normal recompute).
    """
    started = time.monotonic()
    params = params or score_params()
    if as_of is not None:
        now = min(day_end(as_of), now or timezone.now())
    computation = compute_trending(now=now, params=params)
    computed_at = timezone.now()
    rows = [
        TrendingScore(
            paper_id=row.paper_id,
            window=row.window,
            score=row.breakdown.score,
            components={**row.breakdown.as_dict(), "total_upvotes": row.total_upvotes},
            has_code=row.has_code,
            computed_at=computed_at,
            as_of=computation.window_as_of.get(row.window, computation.as_of),
        )
        for row in computation.rows
    ]
    stale_stars = _code_stars_changes(computation.stars_by_paper)
    with transaction.atomic():
        TrendingScore.objects.all().delete()
        TrendingScore.objects.bulk_create(rows, batch_size=2000)
        if stale_stars:
            papers_code_stars_set(stars={p.pk: p.code_stars for p in stale_stars})
        run = TrendingRun.objects.create(
            computed_at=computed_at,
            as_of=computation.as_of,
            replay_of=as_of,
            duration_seconds=0.0,
            papers_considered=computation.papers_considered,
            scores_stored=len(rows),
            params=asdict(params),
        )
        # Only the last few runs matter (the about page shows the newest).
        old = TrendingRun.objects.order_by("-computed_at").values_list("pk", flat=True)[20:]
        TrendingRun.objects.filter(pk__in=list(old)).delete()
    run.duration_seconds = round(time.monotonic() - started, 3)
    TrendingRun.objects.filter(pk=run.pk).update(duration_seconds=run.duration_seconds)
    logger.info(
        "trending recompute: %d papers, %d scores, as of %s%s, %.2f s",
        run.papers_considered,
        run.scores_stored,
        run.as_of.isoformat(),
        f" (replay of {as_of.isoformat()})" if as_of else "",
        run.duration_seconds,
    )
    return run


def _code_stars_changes(stars_by_paper: dict[int, int]) -> list[Paper]:
    if not stars_by_paper:
        return []
    stored = dict(Paper.objects.filter(pk__in=list(stars_by_paper)).values_list("pk", "code_stars"))
    return [
        Paper(pk=pk, code_stars=stars)
        for pk, stars in stars_by_paper.items()
        if pk in stored and stored[pk] != stars
    ]
