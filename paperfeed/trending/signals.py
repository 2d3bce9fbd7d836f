"""The signals a trending window is scored from, read in bulk: source upvote counts over time,
featured days, local upvotes and star counts, the newest moment of each, and the papers that can
score at all (recent, or with a signal in the history a window reads)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from django.db.models import Count, Max, Min

from paperfeed.community.models import Upvote
from paperfeed.papers.models import Featured, Paper
from paperfeed.papers.periods import FEATURED_FIRST_DAY
from paperfeed.trending import ranking
from paperfeed.trending.models import Repository, StarSnapshot, UpvoteSnapshot

WINDOWS = ranking.WINDOW_DAYS
# Ids per ``IN (...)`` list: well under SQLite's limit of bound parameters (32,766).
ID_CHUNK = 10_000
# History older than this before a window is not needed to score it.
HISTORY_SLACK = timedelta(days=45)


def history_start(as_of: datetime) -> datetime:
    """The oldest moment a window ending at ``as_of`` reads signals from: its longest window and
    the slack a velocity needs before it."""
    return as_of - timedelta(days=max(WINDOWS.values())) - HISTORY_SLACK


def day_end(day: date) -> datetime:
    """The first moment after ``day`` (UTC): what is known "by the end of" that day."""
    return datetime.combine(day, clock.min, tzinfo=UTC) + timedelta(days=1)


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


def featured_days(*, as_of: datetime) -> dict[int, datetime]:
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


def star_series(*, as_of: datetime, keys: set[str]) -> dict[str, list[ranking.Point]]:
    """Star counts over time of the repositories ``keys`` (those papers link to: `stars load
    --all` also stores thousands that none do), in chunks of ids."""
    since = history_start(as_of)
    ordered = sorted(keys)
    wanted: dict[int, str] = {}
    for first in range(0, len(ordered), ID_CHUNK):
        wanted.update(
            Repository.objects.filter(key__in=ordered[first : first + ID_CHUNK]).values_list(
                "id", "key"
            )
        )
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


def local_upvotes(*, start: datetime, end: datetime) -> dict[int, int]:
    return dict(
        Upvote.objects.filter(created_at__gt=start, created_at__lte=end)
        .values("paper_id")
        .annotate(n=Count("id"))
        .values_list("paper_id", "n")
    )


# (id, published, code_url, local upvote count, repository key or None) of a visible paper.
PaperFacts = tuple[int, datetime, str, int, str | None]


@dataclass(slots=True)
class Signals:
    """Everything a window ending at ``as_of`` is scored from."""

    as_of: datetime
    upvotes: dict[int, list[ranking.Point]]
    featured_at: dict[int, datetime]
    stars: dict[str, list[ranking.Point]]

    @classmethod
    def load(cls, as_of: datetime, repo_keys: set[str]) -> Signals:
        since = history_start(as_of)
        return cls(
            as_of=as_of,
            upvotes=upvote_series(as_of=as_of, since=since),
            featured_at=featured_days(as_of=as_of),
            stars=star_series(as_of=as_of, keys=repo_keys),
        )


def candidates(
    *, latest: datetime, earliest: datetime, params: ranking.ScoreParams
) -> list[PaperFacts]:
    """The visible papers that could score in some window ending at a moment from ``earliest`` to
    ``latest``: recent enough, or with a signal (a source count, a featured day, a local upvote)
    since the history a window reads. The score (``scores._score_window``) skips every other paper
    anyway; leaving them out in SQL makes a recompute grow with recent papers, not with the
    catalogue.

    Two reads, each on an index: the recent papers are a range of the published-date index,
    the signalled ones a few primary-key look-ups. One query with ``recent OR pk IN (...)``
    made SQLite and PostgreSQL read every paper (a full scan: seconds at 1 M papers).
    """
    since = history_start(earliest)
    columns = ("id", "published", "code_url", "upvote_count", "code_repo")
    visible = Paper.objects.visible().filter(published__lte=latest)
    found = {
        facts[0]: facts
        for facts in visible.filter(
            published__gte=earliest - timedelta(days=params.max_age_days)
        ).values_list(*columns)
    }
    signalled = (
        set(UpvoteSnapshot.objects.filter(taken_at__gt=since).values_list("paper_id", flat=True))
        | set(Featured.objects.filter(day__gt=since.date()).values_list("paper_id", flat=True))
        | set(Upvote.objects.filter(created_at__gt=since).values_list("paper_id", flat=True))
    ) - set(found)
    wanted = sorted(signalled)
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        found.update(
            {facts[0]: facts for facts in visible.filter(pk__in=chunk).values_list(*columns)}
        )
    return list(found.values())
