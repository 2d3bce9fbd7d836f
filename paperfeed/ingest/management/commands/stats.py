from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from paperfeed.ingest.selectors import site_stats


class Command(BaseCommand):
    help = "Print catalogue counts (papers, authors, featured entries, ingest runs)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options) -> None:
        stats = site_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats, indent=2))
            return
        for key, value in stats.items():
            self.stdout.write(f"{key:>16}: {value}")
