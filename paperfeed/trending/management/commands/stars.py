"""paperfeed stars refresh|backfill|load|links|upvotes|recompute|status: the trending jobs by
hand."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from paperfeed.core.commands import checks_without_urls
from paperfeed.trending import links, scores, services, stars
from paperfeed.trending.github import GitHubError
from paperfeed.trending.models import Repository, StarSnapshot, TrendingRun


class Command(BaseCommand):
    help = "Star snapshots of linked repositories, code-link scans and trending scores."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="snapshot star counts, oldest-refreshed first")
        refresh.add_argument("--budget", type=int, help="most GitHub requests to make")
        backfill = sub.add_parser("backfill", help="past stars from stargazer timestamps")
        backfill.add_argument("keys", nargs="*", help="github.com/owner/repo (default: all new)")
        backfill.add_argument("--pages", type=int, help="pages of 100 stargazers per repository")
        backfill.add_argument("--limit", type=int, default=20, help="repositories at most")
        load = sub.add_parser("load", help="star time series from a github_ranking_stars file")
        load.add_argument("file", help="a github-ranking-YYYY-MM-DD.csv, or a .tar.xz of them")
        load.add_argument(
            "--all", action="store_true", help="every repository, not only those papers link to"
        )
        load.add_argument("--no-progress", action="store_true", help="no progress bar")
        links_parser = sub.add_parser(
            "links", help="find code links and project pages in abstracts and comments"
        )
        links_parser.add_argument(
            "--all", action="store_true", help="re-apply the rule to links found earlier too"
        )
        sub.add_parser("upvotes", help="upvote snapshots from featured rows imported earlier")
        recompute = sub.add_parser("recompute", help="recompute the stored trending scores")
        recompute.add_argument(
            "--as-of", help="replay a past day YYYY-MM-DD (the pages say it is a replay)"
        )
        sub.add_parser("status", help="what is stored")

    def handle(self, *args: object, **options: Any) -> None:
        action = options["action"]
        if action == "refresh":
            with stars.github_client() as client:
                refreshed = stars.stars_refresh(client=client, budget=options["budget"])
            self.stdout.write(f"{refreshed.as_dict()}")
        elif action == "backfill":
            self._backfill(options["keys"] or [], options["pages"], int(options["limit"]))
        elif action == "links":
            summary = links.code_links_scan(every=bool(options["all"]))
            new = stars.repositories_sync()
            self.stdout.write(
                f"{summary.scanned} papers read, {summary.linked} linked, "
                f"{summary.dropped} dropped, {summary.pages} project pages, "
                f"{new} new repositories; "
                f"refused: {dict(summary.refused) or 'none'}"
            )
        elif action == "upvotes":
            self.stdout.write(f"{services.upvote_snapshots_from_featured()} snapshots")
        elif action == "load":
            self._load(str(options["file"]), bool(options["all"]), bool(options["no_progress"]))
        elif action == "recompute":
            run = scores.trending_scores_recompute(as_of=_as_of(options["as_of"]))
            replay = f" (replay of {run.replay_of:%Y-%m-%d})" if run.replay_of else ""
            self.stdout.write(
                f"{run.papers_considered} papers, {run.scores_stored} scores stored, "
                f"as of {run.as_of:%Y-%m-%d %H:%M} UTC{replay}, {run.duration_seconds:.2f} s"
            )
        else:
            last = TrendingRun.objects.first()
            self.stdout.write(
                f"repositories: {Repository.objects.count()} "
                f"({Repository.objects.filter(status='gone').count()} gone); "
                f"star snapshots: {StarSnapshot.objects.count()}; last recompute: "
                + (
                    f"{last.computed_at:%Y-%m-%d %H:%M} ({last.scores_stored} scores)"
                    if last
                    else "never"
                )
            )

    def _backfill(self, keys: list[str], pages: int | None, limit: int) -> None:
        repos = Repository.objects.filter(host="github.com", status="active")
        repos = repos.filter(key__in=keys) if keys else repos.filter(backfilled_at=None)
        if keys and not repos.exists():
            raise CommandError("none of those repositories is linked from a paper")
        with stars.github_client() as client:
            for repo in repos[:limit]:
                try:
                    count = stars.stars_backfill(client=client, repository=repo, max_pages=pages)
                except GitHubError as exc:
                    self.stderr.write(f"{repo.key}: {exc}")
                    continue
                self.stdout.write(f"{repo.key}: {count} daily counts")

    def _load(self, path: str, all_repositories: bool, no_progress: bool) -> None:
        if not Path(path).is_file():
            raise CommandError(f"{path}: no such file")
        started = time.monotonic()
        with tqdm(unit=" files", disable=no_progress or None, mininterval=0.5) as bar:

            def step(name: str) -> None:
                bar.set_postfix_str(name, refresh=False)
                bar.update()

            summary = stars.stars_load(path=path, all_repositories=all_repositories, progress=step)
        scope = "all repositories" if all_repositories else "repositories papers link to"
        self.stdout.write(
            f"{summary.files} files, {summary.counts_read} daily counts read; "
            f"{summary.counts_matched} of {scope} ({summary.repositories_matched} repositories, "
            f"{summary.repositories_created} new); {summary.snapshots_added} snapshots added "
            f"in {time.monotonic() - started:.1f} s"
        )
        rejected = sum(summary.rejected.values())
        if rejected:
            self.stderr.write(f"{rejected} rows rejected: {dict(summary.rejected)}")
            for example in summary.examples:
                self.stderr.write(f"  {example}")


def _as_of(value: object) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise CommandError(f"--as-of must be a date written YYYY-MM-DD, not {value!r}") from None
    today = timezone.now().date()
    if day > today:
        raise CommandError(f"--as-of {day} is in the future; the latest day is today ({today})")
    return day
