"""Writes of the trending app: snapshots, code links, star refreshes and stored scores.

Nothing here raises on bad outside data: a hostile link, a vanished repository, a GitHub error
or a clock that went backwards is logged with its reason and the job goes on.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from paperfeed.papers.models import Paper
from paperfeed.papers.services import (
    paper_code_link_user_set,
    papers_code_links_found,
    papers_code_stars_set,
)
from paperfeed.trending import codelinks, ranking, selectors
from paperfeed.trending.github import GitHubClient, GitHubError, RateLimited
from paperfeed.trending.models import (
    Repository,
    StarSnapshot,
    TrendingRun,
    TrendingScore,
    UpvoteSnapshot,
)

logger = logging.getLogger(__name__)

# A star count that has not changed is stored again only after this long, so hourly refreshes
# of a quiet repository do not fill the table while velocities still see a recent point.
UNCHANGED_SNAPSHOT_EVERY = timedelta(hours=20)
# Repositories found gone are asked again after this long (a private repository may reopen).
GONE_RECHECK = timedelta(days=7)


class CodeLinkRefused(Exception):
    """A code link a person entered that we cannot accept; the message says why."""


# --- Upvote snapshots ------------------------------------------------------------------------


def upvotes_record_snapshot(
    *, paper_ids_and_counts: Iterable[tuple[int, int]], taken_at: datetime, source: str
) -> int:
    """Store each paper's upvote count at ``source`` at ``taken_at``; returns rows written.

    A snapshot already stored for the same paper, source and moment is kept as it is.
    """
    rows = [
        UpvoteSnapshot(
            paper_id=paper_id, taken_at=taken_at, count=max(int(count), 0), source=source
        )
        for paper_id, count in paper_ids_and_counts
        if paper_id is not None
    ]
    if not rows:
        return 0
    UpvoteSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def upvote_snapshot_time(*, record_source: str, day: date, now: datetime) -> datetime:
    """When an imported count was true: scrapes ran at about 00:00 UTC of their day; a live HF
    import saw the count now, or by the end of the featured day for a past day."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if record_source == "hf_scrape":
        return start
    return min(now, start + timedelta(days=1))


def upvotes_record_featured(*, entries: Iterable[tuple[int | None, str, date, int]]) -> int:
    """Hook for the importer: (paper id, record source, featured day, upvotes) per record."""
    now = timezone.now()
    groups: dict[tuple[datetime, str], list[tuple[int, int]]] = {}
    for paper_id, record_source, day, upvotes in entries:
        if paper_id is None:
            continue
        source = "hf" if record_source.startswith("hf") else record_source
        when = upvote_snapshot_time(record_source=record_source, day=day, now=now)
        groups.setdefault((when, source), []).append((paper_id, upvotes))
    return sum(
        upvotes_record_snapshot(paper_ids_and_counts=items, taken_at=when, source=source)
        for (when, source), items in groups.items()
    )


# --- Code links --------------------------------------------------------------------------------


@dataclass
class ScanSummary:
    scanned: int = 0
    linked: int = 0
    refused: Counter[str] = field(default_factory=Counter)


_CODE_HOST_WORDS = ("github", "gitlab", "codeberg", "huggingface.co/spaces", "hf.co/spaces")


def code_links_scan(*, batch_size: int = 2000) -> ScanSummary:
    """Find repository links in abstracts and comments of papers that have none yet.

    Sets ``code_url`` with provenance ``auto``; a link a person set or cleared (``user``) is
    never touched. Refused candidates (hostile schemes, look-alike hosts, junk) are logged.
    """
    summary = ScanSummary()
    mentions = Q()
    for word in _CODE_HOST_WORDS:
        mentions |= Q(abstract__icontains=word) | Q(comments__icontains=word)
    candidates = (
        Paper.objects.filter(code_url="")
        .exclude(code_url_source=Paper.CodeUrlSource.USER)
        .filter(mentions)
        .values_list("id", "abstract", "comments")
    )
    updates: list[Paper] = []
    for paper_id, abstract, comments in candidates.iterator(chunk_size=batch_size):
        summary.scanned += 1
        links: list[codelinks.CodeLink] = []
        for text in (abstract, comments):
            found, refused = codelinks.extract_code_links(text)
            links.extend(found)
            for item in refused:
                summary.refused[re.sub(r"'[^']*'", "…", item.reason)] += 1
                logger.info("paper %s: link %r skipped: %s", paper_id, item.text, item.reason)
        link = next((lk for lk in links if lk.host == "github.com"), links[0] if links else None)
        if link is None:
            continue
        updates.append(
            Paper(id=paper_id, code_url=link.url, code_url_source=Paper.CodeUrlSource.AUTO)
        )
    if updates:
        # papers re-checks inside the write: a person may have set a link while we scanned.
        summary.linked = papers_code_links_found(links={p.pk: p.code_url for p in updates})
    logger.info(
        "code link scan: %d papers read, %d linked, refused: %s",
        summary.scanned,
        summary.linked,
        dict(summary.refused) or "none",
    )
    return summary


def paper_code_link_set(*, paper: Paper, user: Any, url: str) -> Paper:
    """Set, change or clear (``url`` empty) a paper's code link as a person; it then wins over
    anything found automatically. Raises CodeLinkRefused with a message for the person."""
    if not selectors.can_edit_code_link(user=user, paper=paper):
        raise CodeLinkRefused(
            "Only the paper's authors, whoever submitted it and curators can change its code link."
        )
    url = (url or "").strip()
    if not url:
        code_url = ""
    else:
        outcome = codelinks.normalise_repo_url(url)
        if isinstance(outcome, codelinks.Refused):
            raise CodeLinkRefused(
                "That is not a repository link we accept "
                f"(GitHub, GitLab, Codeberg or a Hugging Face Space): {outcome.reason}."
            )
        code_url = outcome.url
        repositories_sync(keys=[outcome.key])
    paper_code_link_user_set(paper_id=paper.pk, url=code_url)
    logger.info("paper %s: code link set to %r by user %s", paper.arxiv_id, code_url, user.pk)
    paper.refresh_from_db()
    return paper


# --- Repositories and star snapshots -------------------------------------------------------


def repositories_sync(*, keys: Iterable[str] | None = None) -> int:
    """Create a Repository for every linked repository (or for ``keys``); returns how many new."""
    if keys is None:
        urls = Paper.objects.exclude(code_url="").values_list("id", "code_url")
        keys = set(selectors.paper_repository_keys(urls).values())
    wanted = set(keys)
    known = set(Repository.objects.filter(key__in=wanted).values_list("key", flat=True))
    new = [
        Repository(key=key, host=key.split("/", 1)[0], full_name=key.split("/", 1)[1])
        for key in sorted(wanted - known)
    ]
    Repository.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return len(new)


def star_snapshot_record(
    *, repository: Repository, stars: int, taken_at: datetime, source: str = "api"
) -> StarSnapshot | None:
    """Store a star count, unless it is unchanged and the last one is recent.

    A clock that went backwards (``taken_at`` before the newest snapshot) is logged and the
    snapshot is stored just after the newest one, so the series stays ordered and nothing is
    lost. A fall in stars (unstarring) is logged and stored as it is.
    """
    last = repository.snapshots.order_by("-taken_at").first()
    if last is not None:
        if taken_at <= last.taken_at:
            logger.warning(
                "%s: clock went backwards (%s is not after the last snapshot at %s); "
                "storing it one second after that",
                repository.key,
                taken_at.isoformat(),
                last.taken_at.isoformat(),
            )
            taken_at = last.taken_at + timedelta(seconds=1)
        if stars < last.stars:
            logger.info(
                "%s: stars fell from %d to %d (unstarred)", repository.key, last.stars, stars
            )
        if stars == last.stars and taken_at - last.taken_at < UNCHANGED_SNAPSHOT_EVERY:
            return None
    return StarSnapshot.objects.create(
        repository=repository, stars=max(stars, 0), taken_at=taken_at, source=source
    )


@dataclass
class RefreshSummary:
    asked: int = 0
    updated: int = 0
    unchanged: int = 0
    gone: int = 0
    renamed: int = 0
    errors: int = 0
    stopped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def github_client(**overrides: Any) -> GitHubClient:
    options: dict[str, Any] = {
        "token": settings.GITHUB_TOKEN,
        "base_url": settings.GITHUB_API_URL,
        "max_wait": float(settings.PAPERFEED_STARS_MAX_WAIT),
    }
    options.update(overrides)
    return GitHubClient(**options)


def stars_refresh(
    *, client: GitHubClient, budget: int | None = None, now: datetime | None = None
) -> RefreshSummary:
    """Snapshot ``stargazers_count`` of linked GitHub repositories, oldest-refreshed first, for
    at most ``budget`` requests (and never past GitHub's remaining rate budget)."""
    budget = settings.PAPERFEED_STARS_BUDGET if budget is None else budget
    summary = RefreshSummary()
    repositories_sync()
    now = now or timezone.now()
    queue = (
        Repository.objects.filter(host="github.com")
        .filter(
            Q(status=Repository.Status.ACTIVE)
            | Q(last_refreshed_at__lt=now - GONE_RECHECK)
            | Q(last_refreshed_at=None)
        )
        .order_by(F("last_refreshed_at").asc(nulls_first=True), "id")
    )
    for repository in queue[: max(budget, 0)]:
        if client.budget.remaining is not None and client.budget.remaining <= 0:
            reset = client.budget.reset_at
            if reset and reset - client.clock() > client.max_wait:
                summary.stopped = "GitHub rate budget spent until the reset"
                break
        summary.asked += 1
        try:
            _refresh_one(client, repository, summary, now)
        except RateLimited as exc:
            summary.stopped = str(exc)
            logger.warning("stars refresh stopped: %s", exc)
            break
        except GitHubError as exc:
            summary.errors += 1
            logger.warning("%s: star refresh failed: %s", repository.key, exc)
            Repository.objects.filter(pk=repository.pk).update(
                last_error=str(exc)[:500], last_refreshed_at=timezone.now()
            )
    logger.info("stars refresh: %s", summary.as_dict())
    return summary


def _refresh_one(
    client: GitHubClient, repository: Repository, summary: RefreshSummary, now: datetime
) -> None:
    owner, _, name = repository.full_name.partition("/")
    answer = client.repository(owner, name, etag=repository.etag)
    taken_at = timezone.now() if now is None else max(now, timezone.now())
    changes: dict[str, Any] = {"last_refreshed_at": taken_at, "last_error": ""}
    if answer.status == "gone":
        summary.gone += 1
        logger.warning(
            "%s: GitHub answered %d (deleted, private or blocked); history kept",
            repository.key,
            answer.http_status,
        )
        changes.update(status=Repository.Status.GONE, last_error=f"{answer.http_status}: gone")
    elif answer.status == "not_modified":
        summary.unchanged += 1
        if repository.stars is not None:
            star_snapshot_record(repository=repository, stars=repository.stars, taken_at=taken_at)
        changes["status"] = Repository.Status.ACTIVE
    else:
        assert answer.stars is not None
        summary.updated += 1
        if answer.full_name.lower() != repository.full_name.lower():
            summary.renamed += 1
            logger.info("%s: renamed to %s", repository.key, answer.full_name)
        star_snapshot_record(repository=repository, stars=answer.stars, taken_at=taken_at)
        changes.update(
            stars=answer.stars,
            etag=answer.etag[:200],
            full_name=answer.full_name[:250],
            status=Repository.Status.ACTIVE,
        )
    Repository.objects.filter(pk=repository.pk).update(**changes)


def stars_backfill(
    *, client: GitHubClient, repository: Repository, max_pages: int | None = None
) -> int:
    """Past star counts from stargazer timestamps; returns the daily snapshots written.

    GitHub lists stargazers oldest first and serves at most 400 pages, so we read the *last*
    pages (the newest stars) backwards: the count at the end of a day is today's total minus the
    stars given after it. Stars that were later withdrawn are not listed, so the past counts
    are slight underestimates. A repository with more stars than GitHub will page through is
    skipped with a log line.
    """
    max_pages = settings.PAPERFEED_STARS_BACKFILL_PAGES if max_pages is None else max_pages
    owner, _, name = repository.full_name.partition("/")
    answer = client.repository(owner, name)
    if answer.status != "ok" or answer.stars is None:
        logger.warning("%s: cannot backfill, repository is %s", repository.key, answer.status)
        return 0
    total = answer.stars
    last_page = math.ceil(total / 100)
    if last_page > 400:
        logger.warning(
            "%s: %d stars, more than GitHub pages through (40,000); no backfill",
            repository.key,
            total,
        )
        return 0
    times: list[datetime] = []
    for page in range(last_page, max(last_page - max_pages, 0), -1):
        times.extend(client.stargazer_page(owner, name, page=page))
    if not times:
        return 0
    times.sort()
    now = timezone.now()
    first_day = times[0].date()
    rows = []
    index = 0
    day = first_day
    while True:
        day_end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        if day_end > now:
            break
        while index < len(times) and times[index] < day_end:
            index += 1
        later = len(times) - index
        rows.append(
            StarSnapshot(
                repository=repository,
                taken_at=day_end,
                stars=max(total - later, 0),
                source=StarSnapshot.Source.BACKFILL,
            )
        )
        day += timedelta(days=1)
    StarSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    Repository.objects.filter(pk=repository.pk).update(backfilled_at=now, stars=total)
    logger.info("%s: backfilled %d daily counts from %s", repository.key, len(rows), first_day)
    return len(rows)


# --- Stored scores -----------------------------------------------------------------------------


def trending_scores_recompute(
    *, now: datetime | None = None, params: ranking.ScoreParams | None = None
) -> TrendingRun:
    """Score every paper for every window and replace the stored scores in one transaction."""
    started = time.monotonic()
    params = params or selectors.score_params()
    computation = selectors.compute_trending(now=now, params=params)
    computed_at = timezone.now()
    rows = [
        TrendingScore(
            paper_id=row.paper_id,
            window=row.window,
            score=row.breakdown.score,
            components={**row.breakdown.as_dict(), "total_upvotes": row.total_upvotes},
            has_code=row.has_code,
            computed_at=computed_at,
            as_of=computation.as_of,
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
        "trending recompute: %d papers, %d scores, as of %s, %.2f s",
        run.papers_considered,
        run.scores_stored,
        run.as_of.isoformat(),
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


def upvote_snapshots_from_featured() -> int:
    """Backfill upvote snapshots from featured rows imported before snapshots existed."""
    from paperfeed.papers.models import Featured

    rows = [
        UpvoteSnapshot(
            paper_id=paper_id,
            taken_at=datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1),
            count=upvotes,
            source="hf",
        )
        for paper_id, day, upvotes in Featured.objects.filter(
            source=Featured.Source.HF_DAILY
        ).values_list("paper_id", "day", "upvotes")
    ]
    UpvoteSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)
