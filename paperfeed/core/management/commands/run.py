"""`paperfeed run`: the embedded default. Web server, task worker and scheduler in one process."""

from __future__ import annotations

import os
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.servers.basehttp import WSGIServer, run

from paperfeed.core import serving
from paperfeed.core.processes import start_scheduler_thread, start_worker_thread


class Command(BaseCommand):
    help = "Serve the site, with the task worker and scheduler in the same process (one machine)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="do not run background tasks")

    def handle(self, *args, host: str, port: int, no_worker: bool, **options) -> None:
        from django.core.wsgi import get_wsgi_application

        defaults = serving.serving_defaults(
            host=host, port=port, allowed_hosts=settings.ALLOWED_HOSTS, environ=dict(os.environ)
        )
        serving.log_defaults(defaults)
        if "PAPERFEED_SITE_URL" in defaults:
            settings.SITE_URL = defaults["PAPERFEED_SITE_URL"]
        if "ALLOWED_HOSTS" in defaults:
            settings.ALLOWED_HOSTS = defaults["ALLOWED_HOSTS"].split()
        stop = threading.Event()
        if not no_worker:
            start_worker_thread(stop=stop)
            if settings.PAPERFEED_SCHEDULER:
                start_scheduler_thread(stop=stop)
        if settings.EMAIL_BACKEND == serving.MAIL_FILES:
            self.stdout.write(
                f"mails are written to {settings.EMAIL_FILE_PATH}/ (EMAIL_HOST unset)"
            )
        self.stdout.write(
            f"paperfeed serving on {serving.served_url(host, port)}/ (Ctrl+C to stop)"
        )
        self.stdout.flush()  # before the server's own log lines, also when stdout is a file
        try:
            run(host, port, get_wsgi_application(), threading=True, server_cls=WSGIServer)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
