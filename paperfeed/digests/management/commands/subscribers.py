"""`paperfeed subscribers import FILE.csv [--confirmed]` and `paperfeed subscribers export`."""

from __future__ import annotations

import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.core.commands import checks_without_urls
from paperfeed.digests import selectors, services


class Command(BaseCommand):
    help = "Move a mailing list in (CSV with email, frequency, categories, keywords) or out."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="import subscribers from a CSV file")
        load.add_argument("file")
        load.add_argument(
            "--confirmed",
            action="store_true",
            help="the list has already opted in: no confirmation mail",
        )
        dump = sub.add_parser("export", help="write all subscribers as CSV")
        dump.add_argument("--output", "-o", help="file (default: standard output)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "export":
            if not options["output"]:
                sys.stdout.writelines(selectors.subscribers_export_csv())
                return
            with open(options["output"], "w", newline="", encoding="utf-8") as out:
                out.writelines(selectors.subscribers_export_csv())
            return
        try:
            handle = open(options["file"], newline="", encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        with handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "email" not in [
                (f or "").strip().lower() for f in reader.fieldnames
            ]:
                raise CommandError("the CSV needs a header row with an 'email' column")
            try:
                summary = services.subscribers_import(rows=reader, confirmed=options["confirmed"])
            except csv.Error as exc:
                raise CommandError(f"bad CSV: {exc}") from exc
        for error in summary.errors:
            self.stderr.write(error)
        self.stdout.write(
            f"{summary.created} created, {summary.updated} updated, {len(summary.errors)} refused"
        )
