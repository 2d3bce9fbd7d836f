"""How a long-running process proves it is alive, and what becomes of work whose process is gone.

A task worker writes a ``Heartbeat`` row every ``BEAT_SECONDS`` from a thread of its own. A
process is gone when it ran on this host and its pid no longer exists, or, seen from another
host, when its heartbeat is older than ``STALE_SECONDS``. Work it held -- a task in "running",
an import run -- is then marked abandoned instead of showing "running" forever. Each app
registers the sweep of its own runs (``sweep_register`` from ``AppConfig.ready()``); the worker
calls every sweep at start and after each beat.

Process names carry the host as ``host_label`` writes it: whole up to 40 characters, a longer
one shortened with a digest of the whole, so no two hosts share a label. Rows of processes
silent for ``HEARTBEAT_KEEP`` are deleted by the beating workers (``heartbeats_prune``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import Error as DatabaseFault
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from paperfeed.core.models import Heartbeat

logger = logging.getLogger(__name__)

BEAT_SECONDS = 15.0
# Four missed beats: a pause (a long garbage collection, a database restart) is not death.
STALE_SECONDS = 60.0
ABANDONED = "abandoned"
# A process name, "host:pid:random", fits the 64 characters of django-tasks-db's worker ids and
# of Heartbeat.name: 40 for the host, ":", up to 10 digits of pid (Linux allows 7), ":", 8.
HOST_LABEL_MAX = 40
_HOST_DIGEST_BYTES = 6  # 12 hex digits: two long host names collide with odds of 2**-48
# A heartbeat row silent this long belongs to a process long gone (STALE_SECONDS decides
# "gone"; this only keeps the table small): /healthz and the admin still show a host that died
# within the week. Each worker prunes at most once per PRUNE_EVERY.
HEARTBEAT_KEEP = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)


def host_label(host: str) -> str:
    """``host`` as process names carry it: whole up to ``HOST_LABEL_MAX`` characters; a longer
    name keeps its start and ends in "~" and a digest of the whole name, so two hosts whose
    names share their first 40 characters still get two labels. A label is its own label."""
    if len(host) <= HOST_LABEL_MAX:
        return host
    digest = hashlib.blake2b(host.encode(), digest_size=_HOST_DIGEST_BYTES).hexdigest()
    return f"{host[: HOST_LABEL_MAX - len(digest) - 1]}~{digest}"


def this_host() -> str:
    """This host's label (``host_label``)."""
    return host_label(socket.gethostname())


def process_name() -> str:
    """This process's worker id, "host:pid:random", at most 64 characters (django-tasks-db)."""
    return f"{this_host()}:{os.getpid()}:{get_random_string(8)}"


def process_of(name: str) -> tuple[str, int | None]:
    """(host, pid) of a process name "host:pid:random"; pid None when it holds none."""
    host, _, rest = name.partition(":")
    pid = rest.partition(":")[0]
    return host, int(pid) if pid.isdigit() else None


def gone_from_this_host(name: str) -> bool:
    """Whether ``name`` ("host:pid:random") is a process of this host that no longer runs.
    False for another host's: only its heartbeat or a lease can tell."""
    host, pid = process_of(name)
    return host_label(host) == this_host() and pid is not None and not pid_alive(pid)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_gone(
    *,
    host: str,
    pid: int | None,
    beat_at: datetime | None,
    now: datetime,
    stale_after: float = STALE_SECONDS,
) -> bool:
    """Whether the process that holds some work is gone (see the module docstring)."""
    if host_label(host) == this_host() and pid:
        return not pid_alive(pid)
    return beat_at is None or beat_at < now - timedelta(seconds=stale_after)


def heartbeat_beat(*, name: str, started_at: datetime) -> None:
    now = timezone.now()
    host, pid = process_of(name)
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={"beat_at": now},
        create_defaults={
            "host": host,
            "pid": pid or 0,
            "started_at": started_at,
            "beat_at": now,
        },
    )


def heartbeats_prune(*, now: datetime | None = None) -> int:
    """Delete the heartbeat rows (workers' and /healthz's) silent for ``HEARTBEAT_KEEP``; return
    how many. A range of the ``beat_at`` index: cheap however large the table has grown."""
    cutoff = (now or timezone.now()) - HEARTBEAT_KEEP
    deleted, _ = Heartbeat.objects.filter(beat_at__lt=cutoff).delete()
    return deleted


def _holder(worker_id: str, beats: dict[str, datetime], now: datetime) -> bool:
    host, pid = process_of(worker_id)
    return holder_gone(host=host, pid=pid, beat_at=beats.get(worker_id), now=now)


def tasks_abandon(*, now: datetime | None = None, worker_id: str = "") -> int:
    """Mark failed the tasks left "running" by a worker that is gone, or by ``worker_id``
    (a worker whose task a database error interrupted); return how many."""
    now = now or timezone.now()
    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids")
    )
    if not running:
        return 0
    holders = {task.id: str(task.worker_ids[-1]) for task in running if task.worker_ids}
    # Only the holders' beats: the table keeps a row for every worker that ever started.
    beats = dict(
        Heartbeat.objects.filter(name__in=set(holders.values())).values_list("name", "beat_at")
    )
    gone = [
        task_id
        for task_id, holder in holders.items()
        if holder == worker_id or _holder(holder, beats, now)
    ]
    if not gone:
        return 0
    count = DBTaskResult.objects.filter(id__in=gone, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="paperfeed.core.liveness.Abandoned",
        traceback=f"{ABANDONED}: the worker running this task is gone or was interrupted",
    )
    logger.warning("%d task(s) abandoned: their worker is gone", count)
    return count


Sweep = Callable[[], int]
# app label -> the sweep of its own runs; core's own (tasks) is always there.
_sweeps: dict[str, Sweep] = {"core": tasks_abandon}


def sweep_register(*, app: str, sweep: Sweep) -> None:
    _sweeps[app] = sweep


def runs_abandon() -> int:
    """Every registered sweep; a failing one is logged and the others still run."""
    total = 0
    for app, sweep in list(_sweeps.items()):
        try:
            total += sweep()
        except DatabaseFault as exc:
            logger.warning("sweep of abandoned %s runs failed: %s", app, exc)
    return total


def heartbeats_prune_due(*, last: datetime | None) -> datetime | None:
    """Prune when ``last`` (this process's previous prune) is ``PRUNE_EVERY`` ago or never;
    return the moment of the latest prune."""
    now = timezone.now()
    if last is not None and now - last < PRUNE_EVERY:
        return last
    pruned = heartbeats_prune(now=now)
    if pruned:
        logger.info("%d heartbeat row(s) of processes gone for %s deleted", pruned, HEARTBEAT_KEEP)
    return now


def start_heartbeat_thread(*, name: str, stop: threading.Event) -> threading.Thread:
    """Beat (and sweep) until ``stop`` is set; database errors are logged, never fatal."""
    started_at = timezone.now()
    pruned_at: datetime | None = None

    def beat() -> None:
        nonlocal pruned_at
        while True:
            try:
                heartbeat_beat(name=name, started_at=started_at)
                runs_abandon()
                pruned_at = heartbeats_prune_due(last=pruned_at)
            except DatabaseFault as exc:
                logger.warning("heartbeat of %s not written: %s", name, exc)
            finally:
                close_old_connections()
            if stop.wait(BEAT_SECONDS):
                return

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    return thread
