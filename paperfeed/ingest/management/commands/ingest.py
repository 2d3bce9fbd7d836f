"""`paperfeed ingest <source> ...`: import papers from files, arXiv (API, OAI-PMH) or HF."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from paperfeed.core.commands import checks_without_pages
from paperfeed.ingest import sources
from paperfeed.ingest.models import IngestRun
from paperfeed.ingest.parsers import files
from paperfeed.ingest.parsers.detect import UnknownFormat, detect_format

# Formats with one record a line, whose line count is their record count.
LINE_FORMATS = {"snapshot", "listing"}
SOURCES = ("file", "snapshot", "listings", "arxiv", "oai", "hf", "complete")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-03-18") from exc


class Command(BaseCommand):
    help = (
        "Import papers from files or upstream (file, snapshot, listings, arxiv, oai, hf). "
        "`complete` asks arXiv for papers imported without an abstract."
    )
    requires_system_checks = checks_without_pages()

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(
            dest="source", required=True, metavar="{" + ",".join(SOURCES) + "}"
        )

        def common(p) -> None:
            p.add_argument("--dry-run", action="store_true", help="parse and count, store nothing")
            p.add_argument("--no-progress", action="store_true", help="no progress bar")

        p = sub.add_parser("file", help="local files or folders in any supported format")
        p.add_argument("paths", nargs="+")
        p.add_argument(
            "--format",
            choices=["snapshot", "listing", "hf_daily", "hf_scrape", "arxiv_api", "oai_pmh"],
            help="override format detection",
        )
        p.add_argument("--category", action="append", dest="categories", help="keep only these")
        p.add_argument("--limit", type=int, help="stop after this many papers")
        common(p)

        p = sub.add_parser("snapshot", help="the arXiv metadata snapshot (JSON lines, .gz, .zip)")
        p.add_argument("paths", nargs="+")
        p.add_argument("--category", action="append", dest="categories")
        p.add_argument("--limit", type=int)
        common(p)

        p = sub.add_parser("listings", help="daily listing .jsonl files, folders or .tar.xz")
        p.add_argument("paths", nargs="+")
        common(p)

        p = sub.add_parser("arxiv", help="the arXiv API, by category and submission date")
        p.add_argument("--category", action="append", dest="categories")
        p.add_argument("--from", dest="date_from", type=_day, help="default: 3 days ago")
        p.add_argument("--until", dest="date_until", type=_day, help="default: today")
        common(p)

        p = sub.add_parser("oai", help="arXiv OAI-PMH ListRecords (resumable)")
        p.add_argument("--metadata-prefix", choices=["arXivRaw", "arXiv"], default="arXivRaw")
        p.add_argument("--set", dest="set_spec", help="e.g. cs:cs:AI")
        p.add_argument("--from", dest="date_from", type=_day)
        p.add_argument("--until", dest="date_until", type=_day)
        p.add_argument("--resume", action="store_true", help="resume the last unfinished harvest")
        common(p)

        p = sub.add_parser("hf", help="Hugging Face daily papers API")
        p.add_argument("--date", dest="days", action="append", type=_day, help="repeatable")
        p.add_argument("--from", dest="date_from", type=_day)
        p.add_argument("--until", dest="date_until", type=_day)
        common(p)

        p = sub.add_parser(
            "complete", help="ask the arXiv API for papers imported without an abstract"
        )
        p.add_argument(
            "--limit",
            type=int,
            default=None,
            help="papers at most, newest first (default: PAPERFEED_COMPLETE_PER_RUN)",
        )
        common(p)

    def handle(self, *args, source: str, dry_run: bool, no_progress: bool, **options) -> None:
        total = None if no_progress else self._total(source, options)
        bar = tqdm(total=total, unit=" records", disable=no_progress or None, mininterval=0.5)
        try:
            run = self._run(source, dry_run=dry_run, progress=bar.update, options=options)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        if run is None:
            self.stdout.write("Every paper has an abstract, or has been asked for one already.")
            return
        self._summary(run)
        if run.status == IngestRun.Status.FAILED:
            raise CommandError(run.message)

    def _total(self, source: str, options) -> int | None:
        """The records a file import will read, when that is cheap to know (plain JSON-lines
        files, the papers the completion asks for): the progress bar then shows how far along
        it is and an ETA."""
        if source == "complete":
            limit = options["limit"]
            if limit is not None and limit < 1:
                return None  # _run refuses it
            return sources.papers_complete_count(
                limit=settings.PAPERFEED_COMPLETE_PER_RUN if limit is None else limit
            )
        if source not in {"file", "snapshot", "listings"}:
            return None
        total = 0
        for raw in options["paths"]:
            path = Path(raw)
            try:
                line_format = detect_format(path) in LINE_FORMATS
                count = files.count_lines(path) if line_format else None
            except (OSError, UnknownFormat):
                return None  # the import itself says what is wrong
            if count is None:
                return None
            total += count
        limit = options.get("limit")
        return total if limit is None else min(total, limit)

    def _run(self, source: str, *, dry_run: bool, progress, options) -> IngestRun | None:
        common = {"dry_run": dry_run, "progress": progress}
        today = date.today()
        if source == "complete":
            limit = options["limit"]
            if limit is not None and limit < 1:
                raise CommandError("--limit must be at least 1")
            return sources.papers_complete(
                limit=settings.PAPERFEED_COMPLETE_PER_RUN if limit is None else limit, **common
            )
        if source in {"file", "snapshot", "listings"}:
            fmt = {"snapshot": "snapshot", "listings": "listing"}.get(source) or options["format"]
            categories = set(options.get("categories") or []) or None
            return sources.papers_import_files(
                paths=options["paths"],
                fmt=fmt,
                categories=categories,
                limit=options.get("limit"),
                **common,
            )
        if source == "arxiv":
            return sources.papers_import_arxiv(
                categories=options["categories"] or settings.PAPERFEED_CATEGORIES,
                submitted_from=options["date_from"] or today - timedelta(days=3),
                submitted_until=options["date_until"] or today,
                **common,
            )
        if source == "oai":
            return sources.papers_harvest_oai(
                metadata_prefix=options["metadata_prefix"],
                set_spec=options["set_spec"],
                date_from=options["date_from"],
                date_until=options["date_until"],
                resume=options["resume"],
                **common,
            )
        days = list(options["days"] or [])
        if options["date_from"]:
            end = options["date_until"] or today
            day = options["date_from"]
            while day <= end:
                days.append(day)
                day += timedelta(days=1)
        return sources.papers_import_hf_daily(days=days or [today], **common)

    def _summary(self, run: IngestRun) -> None:
        label = " (dry run: nothing stored)" if run.status == IngestRun.Status.DRY_RUN else ""
        self.stdout.write(
            f"{run.source}: {run.new} new, {run.updated} updated, {run.unchanged} unchanged, "
            f"{run.rejected} rejected in {run.duration_seconds:.1f} s{label} [run {run.pk}]"
        )
        reasons: dict[str, int] = {}
        for error in run.errors:
            reasons[error["reason"]] = reasons.get(error["reason"], 0) + 1
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  rejected x{count}: {reason}")
        shown = run.errors[:10]
        for error in shown:
            where = f" at {error['location']}" if error.get("location") else ""
            self.stdout.write(f"    {error['id'] or '?'}{where}: {error['reason']}")
        if run.rejected > len(shown):
            self.stdout.write(f"    ... see `paperfeed` admin, ingest run {run.pk}, for more")
