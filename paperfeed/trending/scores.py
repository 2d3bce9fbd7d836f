"""The trending score over the catalogue: the bulk computation and the stored scores.

- :func:`compute_trending` -- a few aggregate queries, then the pure maths of
  :mod:`paperfeed.trending.ranking`, for each window. A window is scored as of the newest signal
  (never after ``now``); when that window ranks nothing, it falls back to the newest earlier
  moment that does, so a catalogue with history never shows an empty list.
- :func:`trending_scores_recompute` -- replaces the stored scores in one transaction; with
  ``as_of`` it replays a past day.
- :func:`score_params` -- the host's live settings; :func:`paper_repository_keys` -- which
  repository each paper links to.

Papers carry their repository's key (``Paper.code_repo``), so a recompute reads the candidates'
repositories with the candidates and never the catalogue's code links; ``code_stars`` follows
the star counts through :mod:`paperfeed.trending.codestars`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from paperfeed.papers import codelinks
from paperfeed.trending import codestars, ranking, signals
from paperfeed.trending.models import TrendingRun, TrendingScore

logger = logging.getLogger(__name__)


def score_params() -> ranking.ScoreParams:
    return ranking.ScoreParams(
        upvote_weight=settings.PAPERFEED_TRENDING_UPVOTE_WEIGHT,
        star_weight=settings.PAPERFEED_TRENDING_STAR_WEIGHT,
        gravity=settings.PAPERFEED_TRENDING_GRAVITY,
        age_offset_days=settings.PAPERFEED_TRENDING_AGE_OFFSET_DAYS,
        max_age_days=settings.PAPERFEED_TRENDING_MAX_AGE_DAYS,
        min_star_velocity=settings.PAPERFEED_TRENDING_MIN_STAR_VELOCITY,
    )


def paper_repository_keys(code_urls: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Normal repository key for each (paper id, code_url); unusable URLs are left out."""
    keys: dict[int, str] = {}
    cache: dict[str, str | None] = {}
    for paper_id, url in code_urls:
        if not url:
            continue
        if url not in cache:
            cache[url] = codelinks.repo_key(url)
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
    # The end of the window each window's rows were scored over: ``as_of``, or an earlier
    # moment when nothing ranked at ``as_of`` (see compute_trending).
    window_as_of: dict[str, datetime] = field(default_factory=dict)


def _score_window(
    known: signals.Signals,
    window: str,
    papers: list[signals.PaperFacts],
    repo_keys: dict[int, str],
    params: ranking.ScoreParams,
) -> list[ScoredPaper]:
    as_of = known.as_of
    start, end = ranking.window_bounds(as_of, window)
    oldest = as_of - timedelta(days=params.max_age_days)
    local = signals.local_upvotes(start=start, end=end)
    # A paper featured in the window is listed even before its first upvote: being featured
    # is itself a signal, and a freshly featured day should not look empty.
    start_day = datetime.combine(start.date(), clock.min, tzinfo=UTC)
    velocities = {
        key: ranking.star_velocity(points, start=start, end=end)
        for key, points in known.stars.items()
    }
    rows: list[ScoredPaper] = []
    for paper_id, published, code_url, upvote_count, _ in papers:
        if published > as_of:
            continue
        arrived = known.featured_at.get(paper_id, published)
        if arrived < oldest and paper_id not in known.upvotes and paper_id not in local:
            continue  # too old and no signal: skip the maths
        series = known.upvotes.get(paper_id, ())
        gained = ranking.gain_in_window(series, start=start, end=end) + local.get(paper_id, 0)
        key = repo_keys.get(paper_id)
        velocity = velocities.get(key) if key else None
        featured_at = known.featured_at.get(paper_id)
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


def compute_trending(
    *,
    now: datetime | None = None,
    params: ranking.ScoreParams | None = None,
    windows: Sequence[str] = tuple(signals.WINDOWS),
    moments: list[datetime] | None = None,
) -> Computation:
    """Score every paper for each window, in a few bulk queries and pure Python.

    Each window ends at the newest signal. If nothing ranks there (the newest signal is, say, a
    star count of a repository no recent paper links to), the window moves back to the newest
    moment of each other kind of signal in turn, so the list is empty only when no moment
    ranks anything. ``moments``: :func:`signals.signal_moments` at ``now``, when the caller has
    read them already.
    """
    params = params or score_params()
    now = now or timezone.now()
    if moments is None:
        moments = signals.signal_moments(now=now)
    moments = moments or [now]
    papers = signals.candidates(latest=moments[0], earliest=moments[-1], params=params)
    # Star histories only for the repositories a candidate links to: no other is scored.
    repo_keys = {facts[0]: facts[4] for facts in papers if facts[4]}
    linked = set(repo_keys.values())
    loaded: dict[datetime, signals.Signals] = {}
    rows: list[ScoredPaper] = []
    window_as_of: dict[str, datetime] = {}
    for window in windows:
        window_as_of[window] = moments[0]
        for moment in moments:
            if moment not in loaded:
                loaded[moment] = signals.Signals.load(moment, linked)
            scored = _score_window(loaded[moment], window, papers, repo_keys, params)
            if scored:
                window_as_of[window] = moment
                rows.extend(scored)
                break
    return Computation(moments[0], len(papers), rows, window_as_of)


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
        now = min(signals.day_end(as_of), now or timezone.now())
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
    with transaction.atomic():
        TrendingScore.objects.all().delete()
        TrendingScore.objects.bulk_create(rows, batch_size=2000)
        codestars.code_stars_sync()
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
