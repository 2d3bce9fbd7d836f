"""``paperfeed summaries build [--full] | ai | status``: papers at a glance."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from paperfeed.core.commands import checks_without_urls
from paperfeed.papers.glance import services


class Command(BaseCommand):
    help = "Keywords and one-line summaries of papers: build them, ask the language model, status."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        build = actions.add_parser(
            "build", help="Keywords and the abstract's summary of papers new or changed since."
        )
        build.add_argument("--full", action="store_true", help="Every paper, from scratch.")
        build.add_argument(
            "--processes", type=int, default=None, help="Worker processes (default: one a core)."
        )
        build.add_argument("--no-progress", action="store_true", help="No progress bar.")
        actions.add_parser(
            "ai", help="Ask the configured language model for the sentences still missing."
        )
        status = actions.add_parser("status", help="How many papers have keywords and summaries.")
        status.add_argument("--json", action="store_true")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "status":
            state = services.glance_status()
            if options["json"]:
                self.stdout.write(json.dumps(state))
                return
            for name, value in state.items():
                self.stdout.write(f"{name:>18}: {value}")
            return
        if action == "ai":
            if not services.ai_configured():
                self.stdout.write(
                    "No language model: set PAPERFEED_LLM_URL and PAPERFEED_LLM_MODEL."
                )
                return
            run = services.summaries_ai_write()
            self.stdout.write(
                f"{run.written} written, {run.refused} unusable answers"
                + (f"; stopped: {run.stopped}" if run.stopped else "")
            )
            return
        # On the command's stderr (a terminal's, else none unless asked: no bar in a log file).
        bar = tqdm(
            unit=" papers",
            disable=options["no_progress"] or None,
            mininterval=0.5,
            smoothing=0.1,
            file=self.stderr,
        )
        with bar:
            report = services.glances_build(
                full=options["full"],
                processes=options["processes"],
                progress=bar.update,
                on_total=lambda total: setattr(bar, "total", total),
            )
        self.stdout.write(
            f"{'full' if options['full'] else 'incremental'} build: {report.papers} papers in "
            f"{report.seconds:.1f} s ({report.per_second:.1f} papers/s on {report.processes} "
            f"process{'es' if report.processes > 1 else ''}); {report.with_keywords} with "
            f"keywords, {report.with_summary} with a summary from the abstract"
        )
