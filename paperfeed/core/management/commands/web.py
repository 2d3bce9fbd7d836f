"""`paperfeed web`: the production web server (gunicorn), one of several processes."""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from paperfeed.core import serving
from paperfeed.core.ratelimits import store_problem

logger = logging.getLogger(__name__)

# SQLite's page cache per web worker connection, in MB, unless the operator set
# PAPERFEED_SQLITE_CACHE_MB: a request reads a few pages of papers scattered over the catalogue,
# rarely the same twice, and the OS keeps the file's pages anyway. 16 MB of it (the default
# elsewhere) was 12 MB of a 1 M worker's ~200 MB peak, for no CPU measured (docs/performance.md,
# "Search request CPU at 1 M, sixth pass").
WEB_SQLITE_CACHE_MB = 4


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
        address = serving.split_bind(bind)
        if address is not None:
            defaults = serving.serving_defaults(
                host=address[0],
                port=address[1],
                allowed_hosts=settings.ALLOWED_HOSTS,
                environ=dict(os.environ),
            )
            serving.log_defaults(defaults)
            os.environ.update(defaults)  # gunicorn's workers read the settings afresh
        # gunicorn's workers read the settings afresh, with this in their environment.
        os.environ.setdefault("PAPERFEED_SQLITE_CACHE_MB", str(WEB_SQLITE_CACHE_MB))
        if settings.EMAIL_BACKEND == serving.MAIL_FILES:
            logger.warning(
                "no mail server configured: mails are written to %s/, not sent (set EMAIL_HOST)",
                settings.EMAIL_FILE_PATH,
            )
        argv = serving.gunicorn_argv(
            bind=bind,
            workers=workers,
            data_dir=settings.DATA_DIR,
            extra=gunicorn_args,
            environ=os.environ,
        )
        os.execv(argv[0], argv)  # noqa: S606 - replace this process with gunicorn
