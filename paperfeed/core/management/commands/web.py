"""`paperfeed web`: the production web server (gunicorn), one of several processes."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError

from paperfeed.core.ratelimits import store_problem


class Command(BaseCommand):
    help = "Serve the site with gunicorn (production). Extra arguments go to gunicorn."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default=os.environ.get("PAPERFEED_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument("gunicorn_args", nargs="*")

    def handle(self, *args, bind: str, workers: int, gunicorn_args: list[str], **options) -> None:
        problem = store_problem()
        if problem:
            # Several workers (and hosts) each counting alone would multiply every rate limit.
            raise CommandError(
                f"refusing to start: rate limits would not be shared: {problem}. "
                "Set REDIS_URL, or leave CACHES['limits'] at its default (docs/operations.md)."
            )
        # This interpreter's gunicorn, so it works from a venv that is not activated.
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "paperfeed.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            *gunicorn_args,
        ]
        os.execv(argv[0], argv)  # noqa: S606 - replace this process with gunicorn
