"""`paperfeed restore DIR [--force]`: put a backup back into an empty database and data dir."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.core import backup
from paperfeed.core.commands import checks_without_urls


class Command(BaseCommand):
    help = "Restore a `paperfeed backup` into an empty database and data directory."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="a directory written by `paperfeed backup`")
        parser.add_argument(
            "--force", action="store_true", help="replace a database or data that is not empty"
        )

    def handle(self, *args: Any, dir: Path, force: bool, **options: Any) -> None:
        try:
            report = backup.backup_restore(source=dir, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = report.manifest
        papers = manifest["database"]["rows"].get("papers_paper", 0)
        self.stdout.write(
            f"restored the backup of {manifest['created']} ({papers:,} papers, "
            f"{len(manifest['data'])} data files); row counts match the manifest"
        )
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if manifest["paperfeed"] != metadata.version("paperfeed"):
            self.stdout.write(
                f"the backup was made by paperfeed {manifest['paperfeed']}: "
                "run `paperfeed migrate` before starting the site"
            )
