"""Background threads used by `paperfeed run` (all in one process) and `paperfeed worker`."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import Error as DatabaseFault
from django.db import connections

from paperfeed.core.health import database_fault
from paperfeed.core.liveness import (
    process_name,
    runs_abandon,
    start_heartbeat_thread,
    tasks_abandon,
)
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
        # "host:pid:random": the liveness sweeps read the holder of a running task from it.
        worker_id=worker_id or process_name(),
        excluded_queue_names=[],
    )


# Pauses after a database error, doubling from the first to the last; a worker that then ran
# for longer than the last pause starts again from the first.
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0


def _close_connections() -> None:
    """Drop this thread's connections: after a fault they may be broken or mid-transaction."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except DatabaseFault:
            conn.connection = None


def worker_run(worker: Any, *, first_pause: float = BACKOFF_FIRST_SECONDS) -> None:
    """Run ``worker`` until it is stopped (or, in batch mode, finishes). A database error (full
    disk, read-only file, locked database, PostgreSQL restarting) is logged, then the worker
    backs off and carries on: it never exits because of the database."""
    pause = first_pause
    while worker.running:
        started = time.monotonic()
        try:
            worker.run()
            return
        except DatabaseFault as exc:
            if time.monotonic() - started > BACKOFF_MAX_SECONDS:
                pause = first_pause
            logger.error(
                "worker %s: database %s (%s); trying again in %.0f s",
                worker.worker_id,
                database_fault(exc) or "error",
                exc,
                pause,
            )
            _close_connections()
            deadline = time.monotonic() + pause
            while worker.running and time.monotonic() < deadline:
                time.sleep(min(0.2, pause))
            pause = min(pause * 2, BACKOFF_MAX_SECONDS)
            if worker.running:
                _abandon_own_task(worker)


def _abandon_own_task(worker: Any) -> None:
    """A task this worker was running when the database failed cannot have been recorded as
    finished: mark it abandoned now (and sweep the rest)."""
    try:
        tasks_abandon(worker_id=worker.worker_id)
        runs_abandon()
    except DatabaseFault as exc:
        logger.warning("worker %s: abandoned tasks not marked yet: %s", worker.worker_id, exc)
    finally:
        _close_connections()


def start_worker_thread(*, stop: threading.Event, interval: float = 1.0) -> threading.Thread:
    worker = make_worker(interval=interval, startup_delay=False)
    start_heartbeat_thread(name=worker.worker_id, stop=stop)

    def watch() -> None:
        stop.wait()
        worker.running = False

    threading.Thread(target=watch, name="worker-stop", daemon=True).start()
    thread = threading.Thread(target=worker_run, args=(worker,), name="task-worker", daemon=True)
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
