"""paperfeed stars refresh|backfill|links|recompute|status: the trending jobs by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.trending import links, services
from paperfeed.trending.models import Repository, StarSnapshot, TrendingRun


class Command(BaseCommand):
    help = "Star snapshots of linked repositories, code-link scans and trending scores."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="snapshot star counts, oldest-refreshed first")
        refresh.add_argument("--budget", type=int, help="most GitHub requests to make")
        backfill = sub.add_parser("backfill", help="past stars from stargazer timestamps")
        backfill.add_argument("keys", nargs="*", help="github.com/owner/repo (default: all new)")
        backfill.add_argument("--pages", type=int, help="pages of 100 stargazers per repository")
        backfill.add_argument("--limit", type=int, default=20, help="repositories at most")
        links_parser = sub.add_parser(
            "links", help="find code links and project pages in abstracts and comments"
        )
        links_parser.add_argument(
            "--all", action="store_true", help="re-apply the rule to links found earlier too"
        )
        sub.add_parser("upvotes", help="upvote snapshots from featured rows imported earlier")
        sub.add_parser("recompute", help="recompute the stored trending scores")
        sub.add_parser("status", help="what is stored")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        if action == "refresh":
            with services.github_client() as client:
                summary = services.stars_refresh(client=client, budget=options["budget"])  # type: ignore[arg-type]
            self.stdout.write(f"{summary.as_dict()}")
        elif action == "backfill":
            keys = options["keys"] or []
            repos = Repository.objects.filter(host="github.com", status="active")
            repos = repos.filter(key__in=keys) if keys else repos.filter(backfilled_at=None)
            if keys and not repos.exists():
                raise CommandError("none of those repositories is linked from a paper")
            with services.github_client() as client:
                for repo in repos[: int(options["limit"])]:  # type: ignore[call-overload]
                    try:
                        count = services.stars_backfill(
                            client=client,
                            repository=repo,
                            max_pages=options["pages"],  # type: ignore[arg-type]
                        )
                    except services.GitHubError as exc:
                        self.stderr.write(f"{repo.key}: {exc}")
                        continue
                    self.stdout.write(f"{repo.key}: {count} daily counts")
        elif action == "links":
            summary = links.code_links_scan(every=bool(options["all"]))
            new = services.repositories_sync()
            self.stdout.write(
                f"{summary.scanned} papers read, {summary.linked} linked, "
                f"{summary.dropped} dropped, {summary.pages} project pages, "
                f"{new} new repositories; "
                f"refused: {dict(summary.refused) or 'none'}"
            )
        elif action == "upvotes":
            self.stdout.write(f"{services.upvote_snapshots_from_featured()} snapshots")
        elif action == "recompute":
            run = services.trending_scores_recompute()
            self.stdout.write(
                f"{run.papers_considered} papers, {run.scores_stored} scores stored, "
                f"as of {run.as_of:%Y-%m-%d %H:%M} UTC, {run.duration_seconds:.2f} s"
            )
        else:
            run = TrendingRun.objects.first()
            self.stdout.write(
                f"repositories: {Repository.objects.count()} "
                f"({Repository.objects.filter(status='gone').count()} gone); "
                f"star snapshots: {StarSnapshot.objects.count()}; last recompute: "
                + (
                    f"{run.computed_at:%Y-%m-%d %H:%M} ({run.scores_stored} scores)"
                    if run
                    else "never"
                )
            )
