"""Background threads used by `paperfeed run` (all in one process) and `paperfeed worker`."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.utils.crypto import get_random_string

from paperfeed.core.scheduler import run_scheduler

logger = logging.getLogger(__name__)


def make_worker(
    *, interval: float, batch: bool = False, startup_delay: bool = True, worker_id: str = ""
) -> Any:
    """A django-tasks-db worker over every queue of the default backend."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        # A random pause at start spreads many production workers; batch runs skip it.
        startup_delay=startup_delay and not batch,
        max_tasks=None,
        worker_id=worker_id or get_random_string(32),
        excluded_queue_names=[],
    )


def start_worker_thread(*, stop: threading.Event, interval: float = 1.0) -> threading.Thread:
    worker = make_worker(
        interval=interval, startup_delay=False, worker_id=f"embedded-{get_random_string(12)}"
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
