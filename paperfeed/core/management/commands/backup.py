"""`paperfeed backup DIR`: a consistent backup of the database and the data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.core import backup
from paperfeed.core.commands import checks_without_urls


class Command(BaseCommand):
    help = "Back up the database and the data directory into DIR (safe while the site runs)."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="a new or empty directory")

    def handle(self, *args: Any, dir: Path, **options: Any) -> None:
        try:
            report = backup.backup_create(dest=dir)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        database = report.manifest["database"]
        papers = database["rows"].get("papers_paper", 0)
        self.stdout.write(
            f"backed up the {database['vendor']} database ({database['bytes']:,} bytes, "
            f"{papers:,} papers) and {len(report.manifest['data'])} data files to {dir}"
        )
        for note in report.notes:
            self.stdout.write(f"note: {note}")
