"""Star history: repositories papers link to, star snapshots from the GitHub API, backfills
from stargazer timestamps, and star series loaded from files (:mod:`.starfiles`).

Nothing here raises on bad outside data: a vanished repository, a GitHub error, a clock that
went backwards or a malformed file row is logged or counted with its reason and the job goes on.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from paperfeed.papers.models import Paper
from paperfeed.trending import starfiles
from paperfeed.trending.github import GitHubClient, GitHubError, RateLimited
from paperfeed.trending.models import Repository, StarSnapshot

logger = logging.getLogger(__name__)

# A star count that has not changed is stored again only after this long, so hourly refreshes
# of a quiet repository do not fill the table while velocities still see a recent point.
UNCHANGED_SNAPSHOT_EVERY = timedelta(hours=20)
# Repositories found gone are asked again after this long (a private repository may reopen).
GONE_RECHECK = timedelta(days=7)


def linked_repositories() -> set[str]:
    """The key of every repository some paper links to (from the ``paper_code_repo`` index)."""
    keys = Paper.objects.filter(code_repo__isnull=False).values_list("code_repo", flat=True)
    return {key for key in keys.distinct().order_by() if key}


def repositories_sync(*, keys: Iterable[str] | None = None) -> int:
    """Create a Repository for every linked repository (or for ``keys``); returns how many new."""
    wanted = set(linked_repositories() if keys is None else keys)
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


# --- Star series from files --------------------------------------------------------------------


@dataclass
class LoadSummary:
    files: int = 0
    counts_read: int = 0
    # Counts of repositories a paper links to (or of every repository, when loading all).
    counts_matched: int = 0
    snapshots_added: int = 0
    repositories_matched: int = 0
    repositories_created: int = 0
    # Reason (without the row's own value) -> rows; and the first few rejected rows in full.
    rejected: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


def stars_load(
    *,
    path: str,
    all_repositories: bool = False,
    progress: Callable[[str], None] | None = None,
    batch_size: int = 5000,
) -> LoadSummary:
    """Load star time series from a github_ranking_stars file (:mod:`.starfiles`).

    Only repositories a paper links to are loaded, unless ``all_repositories``. Loading the
    same file twice adds nothing (a snapshot is unique per repository, moment and source).
    """
    summary = LoadSummary()
    linked = linked_repositories()
    repo_ids: dict[str, int] = {}
    matched: set[str] = set()
    pending: list[starfiles.StarCount] = []
    before = StarSnapshot.objects.filter(source=StarSnapshot.Source.IMPORT).count()
    for item in starfiles.read_star_file(path):
        if isinstance(item, str):
            summary.files += 1
            if progress is not None:
                progress(item)
        elif isinstance(item, starfiles.Rejected):
            summary.rejected[item.reason.split(":", 1)[0]] += 1
            if len(summary.examples) < 10:
                summary.examples.append(f"{item.where}: {item.reason}")
        else:
            summary.counts_read += 1
            if all_repositories or item.key in linked:
                summary.counts_matched += 1
                matched.add(item.key)
                pending.append(item)
                if len(pending) >= batch_size:
                    summary.repositories_created += _write_counts(pending, repo_ids)
                    pending = []
    summary.repositories_created += _write_counts(pending, repo_ids)
    summary.repositories_matched = len(matched)
    summary.snapshots_added = (
        StarSnapshot.objects.filter(source=StarSnapshot.Source.IMPORT).count() - before
    )
    _latest_counts_to_repositories(list(repo_ids.values()))
    logger.info("stars load %s: %s", path, asdict(summary))
    return summary


def _write_counts(counts: list[starfiles.StarCount], repo_ids: dict[str, int]) -> int:
    """Store a batch of counts, creating their repositories; returns repositories created."""
    if not counts:
        return 0
    unknown = {count.key for count in counts} - repo_ids.keys()
    created = repositories_sync(keys=unknown) if unknown else 0
    repo_ids.update(Repository.objects.filter(key__in=unknown).values_list("key", "id"))
    StarSnapshot.objects.bulk_create(
        [
            StarSnapshot(
                repository_id=repo_ids[count.key],
                taken_at=count.taken_at,
                stars=count.stars,
                source=StarSnapshot.Source.IMPORT,
            )
            for count in counts
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return created


def _latest_counts_to_repositories(repo_ids: list[int]) -> None:
    """A repository never asked through the API takes its newest loaded count as its count."""
    never_refreshed = Repository.objects.filter(pk__in=repo_ids, last_refreshed_at=None)
    latest = {
        repo_id: stars
        for repo_id, stars in StarSnapshot.objects.filter(
            repository__in=never_refreshed, source=StarSnapshot.Source.IMPORT
        )
        .order_by("repository_id", "taken_at")
        .values_list("repository_id", "stars")
    }  # the last one per repository wins, in time order
    changed = [Repository(pk=pk, stars=stars) for pk, stars in latest.items()]
    Repository.objects.bulk_update(changed, ["stars"], batch_size=1000)
