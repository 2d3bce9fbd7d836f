from __future__ import annotations

import json
from datetime import datetime

from django.core.management.base import BaseCommand
from django.utils.timesince import timesince

from paperfeed.core.commands import checks_without_urls
from paperfeed.ingest.selectors import site_stats


class Command(BaseCommand):
    help = "Print catalogue counts (papers, authors, featured entries, ingest runs)."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options) -> None:
        stats = site_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats, indent=2))
            return
        last = stats["last_ingest_run"]
        if last:
            started = datetime.fromisoformat(last["started_at"])
            when = f"{started:%Y-%m-%d %H:%M} UTC, {timesince(started)} ago"
            last_run = f"; the last: {last['source']}, {last['status']}, started {when}"
        else:
            last_run = ""
        rows = [
            ("papers", f"{stats['papers']:,}"),
            ("authors", f"{stats['authors']:,}"),
            ("featured", f"{stats['featured']:,} entries on {stats['featured_days']:,} days"),
            ("import runs", f"{stats['ingest_runs']:,}{last_run}"),
        ]
        for name, text in rows:
            self.stdout.write(f"{name:<12} {text}")
