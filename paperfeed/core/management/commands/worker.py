"""`paperfeed worker`: runs background tasks (and, by default, the scheduler) in production."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from paperfeed.core.commands import checks_without_urls
from paperfeed.core.liveness import start_heartbeat_thread
from paperfeed.core.processes import make_worker, start_scheduler_thread, worker_run


class Command(BaseCommand):
    help = "Run background tasks from the queue, and the scheduler unless --no-scheduler."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-scheduler", action="store_true")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args, no_scheduler: bool, interval: float, batch: bool, **options) -> None:
        stop = threading.Event()
        if settings.PAPERFEED_SCHEDULER and not no_scheduler and not batch:
            start_scheduler_thread(stop=stop)
        worker = make_worker(interval=interval, batch=batch)
        start_heartbeat_thread(name=worker.worker_id, stop=stop)
        worker.configure_signals()
        try:
            worker_run(worker)
        finally:
            stop.set()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
