"""``paperfeed search rebuild|update|status``: the search engine's index."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from paperfeed.core.commands import checks_without_urls
from paperfeed.papers import search_fallback, textindex, textindex_build


class Command(BaseCommand):
    help = "The search index (derived from the database): rebuild it, update it, show it."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("rebuild", help="Index every paper into a new build, then swap it in.")
        actions.add_parser("update", help="Index the papers written since the last update.")
        actions.add_parser("status", help="Show the live index.")
        actions.add_parser(
            "refill-copy",
            help="Write the database's full-text copy of every paper again (before turning "
            "PAPERFEED_SEARCH_DATABASE_COPY back on).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "status":
            state = textindex_build.textindex_status()
            if not state:
                self.stdout.write(
                    "No search index for this database: run `paperfeed search rebuild` "
                    "(the database's full-text index answers meanwhile)."
                )
                return
            self.stdout.write(
                f"{state['papers']} papers, caught up to {state.get('caught_up_to')} "
                f"({state['root']})"
            )
            if state.get("format") != textindex.FORMAT:
                self.stdout.write(
                    f"Its format {state.get('format')} is older than this version's "
                    f"{textindex.FORMAT}: it answers until `paperfeed search rebuild` (or the "
                    "worker's next update) replaces it."
                )
            return
        if action == "refill-copy":
            count = search_fallback.copy_refill()
            self.stdout.write(f"database full-text copy: {count} papers written")
            return
        if action == "rebuild":
            report = textindex_build.textindex_rebuild()
        else:
            report = textindex_build.textindex_update()
        kind = "full rebuild" if report.full else "update"
        rate = report.papers / report.seconds if report.seconds else 0
        self.stdout.write(
            f"search index {kind}: {report.papers} papers in {report.seconds:.1f} s "
            f"({rate:,.0f}/s) at {report.root}"
        )
