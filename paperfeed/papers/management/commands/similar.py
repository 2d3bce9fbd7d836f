"""``paperfeed similar build [--full]`` and ``paperfeed similar status``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.core.commands import checks_without_urls
from paperfeed.papers.similar import services, store


class Command(BaseCommand):
    help = "Similar papers and the search-by-meaning index: build them, or show their state."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        build = actions.add_parser("build", help="Build the neighbour lists (incremental).")
        build.add_argument("--full", action="store_true", help="Rebuild everything from scratch.")
        actions.add_parser("status", help="Show the live index.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "status":
            index = store.open_index(services.index_dir())
            if index is None:
                self.stdout.write("No index yet: run `paperfeed similar build`.")
                return
            meta = index.meta
            self.stdout.write(
                f"{meta['engine']}: {meta['count']} papers, {meta.get('dims')} dimensions, "
                f"built {meta.get('built')} ({index.root})"
            )
            return
        try:
            report = services.similar_build(full=options["full"])
        except services.SimilarBuildError as exc:
            raise CommandError(str(exc)) from exc
        kind = "full" if report.full else "incremental"
        self.stdout.write(
            f"{kind} {report.engine} build: {report.indexed} of {report.papers} papers indexed, "
            f"{report.added} placed, {report.lists_written} neighbour lists written "
            f"in {report.seconds:.1f} s"
        )
