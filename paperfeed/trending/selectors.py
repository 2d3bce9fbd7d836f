"""Reads of the trending app, shared by the site, the API, the feeds and the digests.

- :func:`trending_papers` -- the ranked list for a window, category and "with code" filter, as
  typed rows (:class:`~paperfeed.papers.rows.PaperRow` with its ``trending``
  :class:`~paperfeed.papers.rows.TrendingInfo`), read from the stored scores (a cheap read), or
  computed for a past day (a replay). It is never empty on a catalogue with upvote or star
  history: when the window ending now has no signal, it is the latest window that has, and
  :attr:`TrendingList.stale` says so.
- :func:`attach_histories` / :func:`star_history` / :func:`upvote_history` -- series for charts.
- :func:`can_edit_code_link` -- who may set a paper's code link.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Max, QuerySet, Window
from django.utils import timezone

from paperfeed.accounts.roles import is_curator
from paperfeed.community.models import AuthorClaim
from paperfeed.core.caching import shared_copy
from paperfeed.core.compiled import ID_SENTINELS, Compiled, compile_query
from paperfeed.papers import codelinks
from paperfeed.papers.models import Featured, Paper, PaperCategory, visible_through
from paperfeed.papers.row_selectors import papers_by_ids
from paperfeed.papers.rows import PaperRow, TrendingInfo
from paperfeed.papers.search import catalogue_version
from paperfeed.papers.selectors import MAX_LIMIT, MAX_OFFSET
from paperfeed.trending import ranking, scores, signals
from paperfeed.trending.models import (
    Repository,
    StarSnapshot,
    TrendingRun,
    TrendingScore,
    UpvoteSnapshot,
)

WINDOWS = ranking.WINDOW_DAYS


@dataclass(slots=True)
class TrendingList:
    """One page of the trending list, and what moment it describes."""

    rows: list[PaperRow]
    # Papers ranked in all (every page).
    total: int
    window: str
    # The end of the window the scores are over; None when nothing was ever scored.
    as_of: datetime | None = None
    # The past day this list replays (?as_of=, or `paperfeed stars recompute --as-of`).
    replay_of: date | None = None
    # The window ending now (or at the end of the replayed day) has no signal: this is the
    # latest window that has.
    stale: bool = False

    @property
    def papers(self) -> list[Paper]:
        return [row.paper for row in self.rows]

    @property
    def as_of_day(self) -> date | None:
        """The last day the scores cover: a window ending at 00:00 ends with the day before."""
        if self.as_of is None:
            return None
        return (self.as_of - timedelta(microseconds=1)).date()


def trending_papers(
    *,
    window: str = "week",
    category: str | None = None,
    with_code: bool = False,
    limit: int = 50,
    offset: int = 0,
    as_of: date | None = None,
) -> TrendingList:
    """Papers ranked by their trending score over ``window`` ("day", "week", "month").

    Each row's ``trending`` holds the score, every number it is made of
    (:meth:`ranking.Breakdown.as_dict`) and the moment it is as of; ``row.upvotes`` is the live
    upvote count (the stored components may predate the latest votes). ``as_of`` replays the
    list as it stood at the end of that day (computed on the fly; a future day is today).
    Before the first recompute (a fresh install, a test) the scores are computed on the fly
    with the same code, so the list is never empty just because the task has not run yet.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    if window not in WINDOWS:
        window = "week"
    now = timezone.now()
    if as_of is not None and as_of < now.date():
        result = _computed(window, category, with_code, limit, offset, now=signals.day_end(as_of))
        result.replay_of = as_of
        reference = signals.day_end(as_of)
    elif (run := TrendingRun.objects.first()) is None:
        result = _computed(window, category, with_code, limit, offset, now=now)
        reference = now
    else:
        result = _stored(window, category, with_code, limit, offset, run)
        result.replay_of = run.replay_of
        reference = signals.day_end(run.replay_of) if run.replay_of else now
    if result.replay_of is not None:
        _source_upvotes_as_of(result.rows, until=signals.day_end(result.replay_of))
    result.stale = is_stale(result.as_of, reference, window)
    return result


def is_stale(as_of: datetime | None, reference: datetime, window: str) -> bool:
    """Whether a list scored up to ``as_of`` is older than its window ending at ``reference``
    (now, or a replayed day's end): the latest window with signal, not the current one."""
    return as_of is not None and as_of < reference - timedelta(days=WINDOWS[window])


def stored_ranking(
    window: str, category: str | None, with_code: bool, *, limit: int, offset: int
) -> tuple[QuerySet[TrendingScore], Any]:
    """The stored scores a list ranks (on every page) and one page of them, best first, each
    with the total (``ranked``), as queries not yet run: the list reads its page, a member's
    kept list reads it again to learn whether it still holds (trending/list_shown.py)."""
    rows = TrendingScore.objects.filter(visible_through("paper"), window=window)
    if with_code:
        rows = rows.filter(has_code=True)
    if category:
        rows = rows.filter(
            paper_id__in=PaperCategory.objects.filter(category=category).values("paper_id")
        )
    # The total rides on each row of the page (a window count is over every row ranked, before
    # the page's LIMIT), and so does the window's moment (every stored score of a window has
    # the same): one query where there were three, for a page that is rebuilt every few seconds.
    ranked = rows.annotate(ranked=Window(Count("pk"))).order_by("-score", "-paper_id")
    return rows, ranked[offset : offset + limit]


def _stored(
    window: str, category: str | None, with_code: bool, limit: int, offset: int, run: TrendingRun
) -> TrendingList:
    rows, ranked = stored_ranking(window, category, with_code, limit=limit, offset=offset)
    page = list(ranked)
    window_as_of: datetime | None
    if page:
        total, window_as_of = page[0].ranked, page[0].as_of
    else:  # past the last page, or nothing ranked
        total = rows.count() if offset else 0
        window_as_of = (
            TrendingScore.objects.filter(window=window).values_list("as_of", flat=True).first()
        )
    as_of = window_as_of or run.as_of
    infos = [
        (row.paper_id, TrendingInfo(row.score, _components(row.components), row.as_of))
        for row in page
    ]
    return TrendingList(_rows(infos), total, window, as_of)


def _components(stored: dict[str, Any]) -> dict[str, float]:
    # The total upvotes stored with the score go stale as votes arrive: rows show the live one.
    return {name: float(value) for name, value in stored.items() if name != "total_upvotes"}


def _computed(
    window: str, category: str | None, with_code: bool, limit: int, offset: int, now: datetime
) -> TrendingList:
    ranked, as_of = _ranking(window, now)
    if with_code:
        ranked = [row for row in ranked if row.has_code]
    if category:
        in_category = set(
            PaperCategory.objects.filter(
                category=category, paper_id__in=[row.paper_id for row in ranked]
            ).values_list("paper_id", flat=True)
        )
        ranked = [row for row in ranked if row.paper_id in in_category]
    infos = [
        (row.paper_id, TrendingInfo(row.score, row.components, as_of))
        for row in ranked[offset : offset + limit]
    ]
    return TrendingList(_rows(infos), len(ranked), window, as_of)


class RankedPaper(NamedTuple):
    """One paper a window ranks on the fly, as kept in the cache (a plain tuple pickles small)."""

    paper_id: int
    score: float
    components: dict[str, float]
    has_code: bool


def _ranking(window: str, now: datetime) -> tuple[list[RankedPaper], datetime]:
    """The window's scores computed on the fly (before the first recompute, or a replay), best
    first, as a shared copy (core/caching.py) under the facts they are computed from: a signal
    newer than the kept ones, a catalogue change or other score settings make a new key, and
    the copy is rebuilt at most every PAPERFEED_TRENDING_RECOMPUTE_MINUTES, as the stored
    scores are. Every page, category and filter of the window reads the same ranking, and at
    1 M papers computing it costs ~15 queries and 70-110 ms of CPU: the shared page copies
    rebuild each list every few seconds, so it was paid again each time."""
    moments = signals.signal_moments(now=now)
    params = scores.score_params()
    facts = (window, moments, catalogue_version(), astuple(params))
    key = "trending:ranking:" + hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()

    def build() -> tuple[list[RankedPaper], datetime]:
        computation = scores.compute_trending(
            now=now, params=params, windows=[window], moments=moments
        )
        rows = sorted(
            computation.rows, key=lambda row: (row.breakdown.score, row.paper_id), reverse=True
        )
        ranked = [
            RankedPaper(row.paper_id, row.breakdown.score, row.breakdown.as_dict(), row.has_code)
            for row in rows
        ]
        return ranked, computation.window_as_of.get(window, computation.as_of)

    seconds = settings.PAPERFEED_TRENDING_RECOMPUTE_MINUTES * 60
    kept: tuple[list[RankedPaper], datetime] = shared_copy(key, seconds, build)
    return kept


def _rows(infos: list[tuple[int, TrendingInfo]]) -> list[PaperRow]:
    """Typed rows for (paper id, trending info) in that order; hidden papers are left out."""
    rows = papers_by_ids(ids=[paper_id for paper_id, _ in infos])
    by_id = dict(infos)
    for row in rows:
        row.trending = by_id[row.paper.pk]
    return rows


def _source_upvotes_as_of(rows: list[PaperRow], *, until: datetime) -> None:
    """A replay shows the source's count of its day, not today's: the highest the source had
    reported by ``until`` (featured rows up to that day and upvote snapshots up to then)."""
    ids = [row.paper.pk for row in rows]
    source: dict[int, int] = defaultdict(int)
    for paper_id, most in (
        Featured.objects.filter(paper_id__in=ids, day__lt=until.date() + timedelta(days=1))
        .values("paper_id")
        .annotate(most=Max("upvotes"))
        .values_list("paper_id", "most")
    ):
        source[paper_id] = max(source[paper_id], most or 0)
    for paper_id, most in (
        UpvoteSnapshot.objects.filter(paper_id__in=ids, taken_at__lte=until)
        .values("paper_id")
        .annotate(most=Max("count"))
        .values_list("paper_id", "most")
    ):
        source[paper_id] = max(source[paper_id], most or 0)
    for row in rows:
        row.source_upvotes = source[row.paper.pk]


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
    """Source upvotes over time, as a running maximum per snapshot."""
    series = signals.upvote_series(as_of=timezone.now(), paper_ids=[paper.pk]).get(paper.pk, [])
    if not series:
        return []
    cutoff = series[-1][0] - timedelta(days=days)
    return [point for point in series if point[0] >= cutoff]


def attach_histories(
    rows: Sequence[PaperRow], *, days: int = 30, anchor: datetime | None = None
) -> None:
    """Fill ``star_points`` and ``upvote_points`` of each row, in four queries in all, over the
    ``days`` before ``anchor`` (by default the moment the rows are scored as of). The trending
    page passes the anchor of its whole list and calls this only for the cards it has to render
    (community/cards.py), so a card's series never depend on which other cards were cached."""
    if not rows:
        return
    keys = scores.paper_repository_keys((row.paper.pk, row.paper.code_url) for row in rows)
    repos = dict(Repository.objects.filter(key__in=set(keys.values())).values_list("key", "id"))
    by_repo: dict[int, list[ranking.Point]] = defaultdict(list)
    if anchor is None:
        anchor = history_anchor(rows)
    since = anchor - timedelta(days=days)
    for repo_id, taken_at, stars in (
        StarSnapshot.objects.filter(
            repository_id__in=list(repos.values()), taken_at__gte=since, taken_at__lte=anchor
        )
        .order_by("taken_at")
        .values_list("repository_id", "taken_at", "stars")
    ):
        by_repo[repo_id].append((taken_at, stars))
    upvotes = signals.upvote_series(as_of=anchor, paper_ids=[row.paper.pk for row in rows])
    for row in rows:
        paper_repo = repos.get(keys.get(row.paper.pk, ""))
        row.star_points = by_repo[paper_repo] if paper_repo is not None else []
        row.upvote_points = [pt for pt in upvotes.get(row.paper.pk, []) if since <= pt[0]]


def history_anchor(rows: Sequence[PaperRow]) -> datetime:
    """The moment a list's charts end: the latest its rows are scored as of (within a window
    every stored score has the same moment)."""
    return max(
        (row.trending.as_of if row.trending else timezone.now() for row in rows),
        default=timezone.now(),
    )


# --- Permissions -------------------------------------------------------------------------------


def can_edit_code_link(
    *,
    user: Any,
    paper_id: int,
    curator: bool | None = None,
    featured_or_claimed: Sequence[Any] | None = None,
) -> bool:
    """Curators and staff, whoever featured or submitted the paper here, and its verified
    (approved-claim) authors may set, change or clear its code link. ``curator``: whether the
    user is one, when the caller knows it already (the paper page shows the form by the menu's
    remembered role; the form's POST asks afresh). ``featured_or_claimed``: the rows of
    :func:`featured_or_claimed_query`'s query for this user and paper, when read already."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_staff or (is_curator(user) if curator is None else curator):
        return True
    # Featured it, or an approved author: one query, compiled once per connection (every
    # member's paper page asks it; the ORM spent more CPU building it than SQLite answering).
    if featured_or_claimed is None:
        query, values = featured_or_claimed_query(paper_id=paper_id, user_id=user.pk)
        featured_or_claimed = query.rows(values)
    return bool(featured_or_claimed)


def featured_or_claimed_query(*, paper_id: int, user_id: int) -> tuple[Compiled, list[int]]:
    """Whether the user featured the paper or is its approved author: the query and its values
    (rows for yes, none for no; a member's paper page reads it ahead, core/readerslots.py)."""
    return _featured_or_claimed_sql(connections[DEFAULT_DB_ALIAS]), [paper_id, user_id]


def _featured_or_claimed(paper_id: int, user_id: int) -> QuerySet:
    # No ordering (the models have one): a compound statement's parts may not be ordered.
    featured = (
        Featured.objects.filter(paper_id=paper_id, featured_by_id=user_id).order_by().values("pk")
    )
    claimed = (
        AuthorClaim.objects.filter(
            paper_id=paper_id, user_id=user_id, status=AuthorClaim.Status.APPROVED
        )
        .order_by()
        .values("pk")
    )
    return featured.union(claimed)


_PAPER_SENTINEL, _USER_SENTINEL = ID_SENTINELS[:2]


@lru_cache(maxsize=16)
def _featured_or_claimed_sql(connection: BaseDatabaseWrapper) -> Compiled:
    """Values: the paper's id, then the user's (the thread's connection is the key)."""
    return compile_query(
        _featured_or_claimed(_PAPER_SENTINEL, _USER_SENTINEL), [_PAPER_SENTINEL, _USER_SENTINEL]
    )
