"""Background threads used by `paperfeed run` (all in one process) and `paperfeed worker`."""

from __future__ import annotations

import logging
import threading

from django.utils.crypto import get_random_string

from paperfeed.core.scheduler import run_scheduler

logger = logging.getLogger(__name__)


def start_worker_thread(*, stop: threading.Event, interval: float = 1.0) -> threading.Thread:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"embedded-{get_random_string(12)}",
        excluded_queue_names=[],
    )

    def watch() -> None:
        stop.wait()
        worker.running = False

    threading.Thread(target=watch, name="worker-stop", daemon=True).start()
    thread = threading.Thread(target=worker.run, name="task-worker", daemon=True)
    thread.start()
    return thread


def start_scheduler_thread(*, stop: threading.Event, interval: float = 30.0) -> threading.Thread:
    thread = threading.Thread(
        target=run_scheduler,
        kwargs={"stop": stop, "interval": interval},
        name="scheduler",
        daemon=True,
    )
    thread.start()
    return thread
