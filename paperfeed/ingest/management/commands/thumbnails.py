"""paperfeed thumbnails build [--limit N] [--featured-only] | status: first-page thumbnails by
hand (the worker renders those of featured papers by itself)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from tqdm import tqdm

from paperfeed.core.commands import checks_without_urls
from paperfeed.ingest.thumbnails import thumbnails_build
from paperfeed.papers.models import Paper, Thumbnail


class Command(BaseCommand):
    help = "Render the first page of papers' PDFs (fetched from arXiv, one every 3 s)."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="render missing thumbnails, featured papers first")
        build.add_argument("--limit", type=int, default=100, help="papers at most (default 100)")
        build.add_argument(
            "--featured-only", action="store_true", help="only papers on a featured list"
        )
        build.add_argument("--no-progress", action="store_true", help="no progress bar")
        sub.add_parser("status", help="rendered, failed (with the commonest reasons), not tried")

    def handle(self, *args: object, **options: Any) -> None:
        if options["action"] == "status":
            self._status()
            return
        limit = int(options["limit"])
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        with tqdm(
            total=limit, unit=" papers", disable=options["no_progress"] or None, mininterval=0.5
        ) as bar:

            def step(arxiv_id: str, outcome: str) -> None:
                bar.set_postfix_str(f"{arxiv_id}: {outcome}"[:60], refresh=False)
                bar.update(1)

            run = thumbnails_build(
                limit=limit, featured_only=bool(options["featured_only"]), progress=step
            )
        self.stdout.write(run.summary())
        for arxiv_id, reason in run.failures[:20]:
            self.stdout.write(f"  {arxiv_id}: {reason}")
        if run.stopped:
            raise CommandError(f"stopped early: {run.stopped}")

    def _status(self) -> None:
        counts = dict(
            Thumbnail.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
        )
        done, failed = counts.get("done", 0), counts.get("failed", 0)
        untried = Paper.objects.visible().filter(thumbnail__isnull=True).count()
        self.stdout.write(f"{done} rendered, {failed} failed, {untried} not tried yet")
        self.stdout.write(f"files in {settings.PAPERFEED_THUMBNAIL_DIR}")
        reasons = (
            Thumbnail.objects.filter(state=Thumbnail.State.FAILED)
            .values("reason")
            .annotate(n=Count("pk"))
            .order_by("-n")[:10]
        )
        for row in reasons:
            self.stdout.write(f"  {row['n']:>6}  {row['reason']}")
