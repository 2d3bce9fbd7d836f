"""Reads of the trending app, shared by the site, the API, the feeds and the digests.

- :func:`trending_papers` -- the ranked list for a window, category and "with code" filter, read
  from the stored scores (a cheap read); each paper carries ``trending_score``,
  ``total_upvotes`` and ``trending_components`` (every number of its score, see
  :mod:`paperfeed.trending.ranking`).
- :func:`compute_trending` -- the bulk computation the recompute task stores: a few aggregate
  queries, then pure Python scoring.
- :func:`score_params` -- the host's live settings as :class:`ranking.ScoreParams`.
- :func:`star_history` / :func:`upvote_history` / :func:`attach_histories` -- series for charts.
- :func:`can_edit_code_link` -- who may set a paper's code link.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils import timezone

from paperfeed.accounts.roles import is_curator
from paperfeed.papers.models import Featured, Paper, PaperCategory
from paperfeed.papers.selectors import MAX_LIMIT, MAX_OFFSET, papers_by_ids
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


def decayed_score(*, upvotes: int, age_days: float, gravity: float | None = None) -> float:
    """Upvote momentum alone (kept for callers of the first version of this module)."""
    params = score_params()
    if gravity is not None:
        params = ranking.ScoreParams(gravity=gravity, age_offset_days=params.age_offset_days)
    return ranking.upvote_momentum(upvotes=upvotes, age_days=age_days, params=params)


def _day_end(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(days=1)


# --- The bulk computation --------------------------------------------------------------------


@dataclass(slots=True)
class ScoredPaper:
    paper_id: int
    window: str
    breakdown: ranking.Breakdown
    total_upvotes: int
    has_code: bool


@dataclass(slots=True)
class Computation:
    as_of: datetime
    papers_considered: int
    rows: list[ScoredPaper]
    # paper id -> current star count of its repository, for Paper.code_stars.
    stars_by_paper: dict[int, int]


def latest_signal(*, now: datetime) -> datetime:
    """The newest upvote, snapshot or featured day, never later than ``now``.

    Scores are "as of" this moment, so an instance fed with older data (or a replay) still
    ranks what it has instead of showing an empty list.
    """
    from paperfeed.community.models import Upvote

    candidates: list[datetime] = []
    for value in (
        UpvoteSnapshot.objects.filter(taken_at__lte=now).aggregate(m=Max("taken_at"))["m"],
        StarSnapshot.objects.filter(taken_at__lte=now).aggregate(m=Max("taken_at"))["m"],
        Upvote.objects.filter(created_at__lte=now).aggregate(m=Max("created_at"))["m"],
    ):
        if value is not None:
            candidates.append(value)
    day = Featured.objects.filter(day__lte=now.date()).aggregate(m=Max("day"))["m"]
    if day is not None:
        candidates.append(min(_day_end(day), now))
    return max(candidates) if candidates else now


def _upvote_series(*, as_of: datetime) -> dict[int, list[ranking.Point]]:
    """Source upvote counts over time per paper: import snapshots and featured days.

    A featured row is the count known by the end of its day. Counts at a source only grow, so
    the series is a running maximum: a later scrape that read 0 (a timing glitch) or a lower
    count does not look like a loss.
    """
    since = as_of - timedelta(days=max(WINDOWS.values())) - HISTORY_SLACK
    raw: dict[int, list[ranking.Point]] = defaultdict(list)
    for paper_id, taken_at, count in UpvoteSnapshot.objects.filter(
        taken_at__gt=since, taken_at__lte=as_of
    ).values_list("paper_id", "taken_at", "count"):
        raw[paper_id].append((taken_at, count))
    for paper_id, day, upvotes in Featured.objects.filter(
        day__gt=since.date(), day__lte=as_of.date()
    ).values_list("paper_id", "day", "upvotes"):
        raw[paper_id].append((min(_day_end(day), as_of), upvotes))
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


def _featured_days(*, as_of: datetime) -> dict[int, datetime]:
    """The first recent featured day (its start) of each paper featured in the last month.

    A paper's age counts from that day rather than from its arXiv date: featuring is when the
    community first sees it (HF often features papers days or weeks after arXiv lists them).
    """
    since = (as_of - timedelta(days=max(WINDOWS.values()) + 1)).date()
    return {
        paper_id: datetime.combine(day, time.min, tzinfo=UTC)
        for paper_id, day in Featured.objects.filter(day__gte=since, day__lte=as_of.date())
        .values("paper_id")
        .annotate(first=Min("day"))
        .values_list("paper_id", "first")
    }


def _star_series(*, as_of: datetime) -> tuple[dict[str, list[ranking.Point]], dict[str, int]]:
    """Star counts over time per repository key, and each repository's latest count."""
    since = as_of - timedelta(days=max(WINDOWS.values())) - HISTORY_SLACK
    keys = dict(Repository.objects.values_list("id", "key"))
    series: dict[str, list[ranking.Point]] = defaultdict(list)
    for repo_id, taken_at, stars in (
        StarSnapshot.objects.filter(taken_at__gt=since, taken_at__lte=as_of)
        .order_by("repository_id", "taken_at")
        .values_list("repository_id", "taken_at", "stars")
    ):
        series[keys[repo_id]].append((taken_at, stars))
    current = {
        key: int(stars)
        for key, stars in Repository.objects.exclude(stars=None).values_list("key", "stars")
        if stars is not None
    }
    return series, current


def _local_upvotes(*, start: datetime, end: datetime) -> dict[int, int]:
    from paperfeed.community.models import Upvote

    return dict(
        Upvote.objects.filter(created_at__gt=start, created_at__lte=end)
        .values("paper_id")
        .annotate(n=Count("id"))
        .values_list("paper_id", "n")
    )


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


def compute_trending(
    *,
    now: datetime | None = None,
    params: ranking.ScoreParams | None = None,
    windows: Sequence[str] = tuple(WINDOWS),
) -> Computation:
    """Score every paper for each window, in a few bulk queries and pure Python."""
    params = params or score_params()
    as_of = latest_signal(now=now or timezone.now())
    upvotes = _upvote_series(as_of=as_of)
    featured_at = _featured_days(as_of=as_of)
    stars, current_stars = _star_series(as_of=as_of)
    oldest = as_of - timedelta(days=params.max_age_days)
    papers = list(
        Paper.objects.filter(hidden=False, published__lte=as_of).values_list(
            "id", "published", "code_url", "upvote_count"
        )
    )
    repo_keys = paper_repository_keys((pid, url) for pid, _, url, _ in papers)
    rows: list[ScoredPaper] = []
    for window in windows:
        start, end = ranking.window_bounds(as_of, window)
        local = _local_upvotes(start=start, end=end)
        # A paper featured in the window is listed even before its first upvote: being featured
        # is itself a signal, and a freshly featured day should not look empty.
        start_day = datetime.combine(start.date(), time.min, tzinfo=UTC)
        velocities = {
            key: ranking.star_velocity(points, start=start, end=end)
            for key, points in stars.items()
        }
        for paper_id, published, code_url, upvote_count in papers:
            arrived = featured_at.get(paper_id, published)
            if arrived < oldest and paper_id not in upvotes and paper_id not in local:
                continue  # too old and no signal: skip the maths
            series = upvotes.get(paper_id, ())
            gained = ranking.gain_in_window(series, start=start, end=end) + local.get(paper_id, 0)
            key = repo_keys.get(paper_id)
            velocity = velocities.get(key) if key else None
            featured_in_window = paper_id in featured_at and featured_at[paper_id] >= start_day
            no_signal = gained <= 0 and (velocity is None or velocity.per_day <= 0)
            if no_signal and not featured_in_window:
                continue  # not trending
            age_days = (as_of - arrived) / timedelta(days=1)
            breakdown = ranking.score(
                upvotes_in_window=gained,
                stars_gained=velocity.gained if velocity else 0,
                star_velocity=velocity.per_day if velocity else 0.0,
                age_days=age_days,
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
    stars_by_paper = {
        pid: current_stars[key] for pid, key in repo_keys.items() if key in current_stars
    }
    return Computation(as_of, len(papers), rows, stars_by_paper)


# --- The list the pages read ----------------------------------------------------------------


def components_of(row: ScoredPaper | TrendingScore, total_upvotes: int) -> dict[str, float]:
    parts = row.breakdown.as_dict() if isinstance(row, ScoredPaper) else dict(row.components)
    parts["upvotes"] = float(total_upvotes)
    return parts


def trending_papers(
    *,
    window: str = "week",
    category: str | None = None,
    with_code: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Paper], int]:
    """Papers ranked by their stored trending score over ``window`` ("day", "week", "month"),
    and the number ranked. Each paper carries ``trending_score``, ``total_upvotes``,
    ``trending_components`` (see :meth:`ranking.Breakdown.as_dict`, plus ``upvotes``, the total)
    and ``trending_as_of``.

    Before the first recompute (a fresh install, a test) the scores are computed on the fly with
    the same code, so the list is never empty just because the task has not run yet.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    if window not in WINDOWS:
        window = "week"
    if not TrendingRun.objects.exists():
        return _trending_on_the_fly(window, category, with_code, limit, offset)
    rows = TrendingScore.objects.filter(window=window, paper__hidden=False)
    if with_code:
        rows = rows.filter(has_code=True)
    if category:
        rows = rows.filter(
            paper_id__in=PaperCategory.objects.filter(category=category).values("paper_id")
        )
    total = rows.count()
    page = list(rows.order_by("-score", "-paper_id")[offset : offset + limit])
    papers = papers_by_ids(ids=[row.paper_id for row in page])
    by_id = {row.paper_id: row for row in page}
    for paper in papers:
        row = by_id[paper.pk]
        total_upvotes = int(row.components.get("total_upvotes", paper.upvote_count))
        paper.trending_score = row.score  # type: ignore[attr-defined]
        paper.total_upvotes = total_upvotes  # type: ignore[attr-defined]
        paper.trending_components = components_of(row, total_upvotes)  # type: ignore[attr-defined]
        paper.trending_as_of = row.as_of  # type: ignore[attr-defined]
    return papers, total


def _trending_on_the_fly(
    window: str, category: str | None, with_code: bool, limit: int, offset: int
) -> tuple[list[Paper], int]:
    computation = compute_trending(windows=[window])
    rows = computation.rows
    if with_code:
        rows = [row for row in rows if row.has_code]
    if category:
        in_category = set(
            PaperCategory.objects.filter(
                category=category, paper_id__in=[row.paper_id for row in rows]
            ).values_list("paper_id", flat=True)
        )
        rows = [row for row in rows if row.paper_id in in_category]
    rows.sort(key=lambda row: (row.breakdown.score, row.paper_id), reverse=True)
    page = rows[offset : offset + limit]
    papers = papers_by_ids(ids=[row.paper_id for row in page])
    by_id = {row.paper_id: row for row in page}
    for paper in papers:
        row = by_id[paper.pk]
        paper.trending_score = row.breakdown.score  # type: ignore[attr-defined]
        paper.total_upvotes = row.total_upvotes  # type: ignore[attr-defined]
        paper.trending_components = components_of(row, row.total_upvotes)  # type: ignore[attr-defined]
        paper.trending_as_of = computation.as_of  # type: ignore[attr-defined]
    return papers, len(rows)


def last_run() -> TrendingRun | None:
    return TrendingRun.objects.first()


# --- Histories for the charts ----------------------------------------------------------------


def repository_for(paper: Paper) -> Repository | None:
    if not paper.code_url:
        return None
    outcome = codelinks.normalise_repo_url(paper.code_url)
    if not isinstance(outcome, codelinks.CodeLink):
        return None
    return Repository.objects.filter(key=outcome.key).first()


def star_history(*, paper: Paper, days: int = 90) -> list[ranking.Point]:
    repository = repository_for(paper)
    if repository is None:
        return []
    since = timezone.now() - timedelta(days=days)
    return list(
        StarSnapshot.objects.filter(repository=repository, taken_at__gte=since)
        .order_by("taken_at")
        .values_list("taken_at", "stars")
    )


def upvote_history(*, paper: Paper, days: int = 90) -> list[ranking.Point]:
    """Source upvotes over time plus local upvotes, as a running total per snapshot."""
    series = _upvote_series_for([paper.pk]).get(paper.pk, [])
    if not series:
        return []
    cutoff = series[-1][0] - timedelta(days=days)
    return [point for point in series if point[0] >= cutoff]


def _upvote_series_for(paper_ids: Sequence[int]) -> dict[int, list[ranking.Point]]:
    raw: dict[int, list[ranking.Point]] = defaultdict(list)
    for paper_id, taken_at, count in UpvoteSnapshot.objects.filter(
        paper_id__in=paper_ids
    ).values_list("paper_id", "taken_at", "count"):
        raw[paper_id].append((taken_at, count))
    for paper_id, day, upvotes in Featured.objects.filter(paper_id__in=paper_ids).values_list(
        "paper_id", "day", "upvotes"
    ):
        raw[paper_id].append((_day_end(day), upvotes))
    out: dict[int, list[ranking.Point]] = {}
    for paper_id, points in raw.items():
        points.sort()
        top = 0
        merged = []
        for when, count in points:
            top = max(top, count)
            merged.append((when, top))
        out[paper_id] = merged
    return out


def attach_histories(papers: Sequence[Paper], *, days: int = 30) -> None:
    """Attach ``star_points`` and ``upvote_points`` to each paper, in three queries in all."""
    if not papers:
        return
    keys = paper_repository_keys((p.pk, p.code_url) for p in papers)
    repos = dict(Repository.objects.filter(key__in=set(keys.values())).values_list("key", "id"))
    by_repo: dict[int, list[ranking.Point]] = defaultdict(list)
    anchor = max((getattr(p, "trending_as_of", None) or timezone.now()) for p in papers)
    since = anchor - timedelta(days=days)
    for repo_id, taken_at, stars in (
        StarSnapshot.objects.filter(repository_id__in=list(repos.values()), taken_at__gte=since)
        .order_by("taken_at")
        .values_list("repository_id", "taken_at", "stars")
    ):
        by_repo[repo_id].append((taken_at, stars))
    upvotes = _upvote_series_for([p.pk for p in papers])
    for paper in papers:
        key = keys.get(paper.pk)
        paper_repo = repos.get(key) if key else None
        paper.star_points = by_repo.get(paper_repo, []) if paper_repo else []  # type: ignore[attr-defined]
        paper.upvote_points = [  # type: ignore[attr-defined]
            pt for pt in upvotes.get(paper.pk, []) if since <= pt[0] <= anchor
        ]


# --- Permissions -------------------------------------------------------------------------------


def can_edit_code_link(*, user: Any, paper: Paper) -> bool:
    """Curators and staff, whoever featured or submitted the paper here, and its verified
    (approved-claim) authors may set, change or clear its code link."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_staff or is_curator(user):
        return True
    if Featured.objects.filter(paper=paper, featured_by=user).exists():
        return True
    from paperfeed.community.models import AuthorClaim

    return AuthorClaim.objects.filter(
        paper=paper, user=user, status=AuthorClaim.Status.APPROVED
    ).exists()
