"""What ``/healthz`` reports, and what a database error means for the people waiting on it.

Core names no app: an app adds its own part of the report (the digest outbox, say) with
``health_register`` from its ``AppConfig.ready()``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import Error as DatabaseFault
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from paperfeed.core.liveness import STALE_SECONDS, this_host
from paperfeed.core.models import Heartbeat

logger = logging.getLogger(__name__)

READ_ONLY = "read-only"
FULL = "full"
LOCKED = "locked"
UNAVAILABLE = "unavailable"

# PostgreSQL SQLSTATEs: read_only_sql_transaction, disk_full, out of resources, lock timeouts,
# the server shutting down or starting, and every connection exception (class 08).
_SQLSTATES = {
    "25006": READ_ONLY,
    "53100": FULL,
    "53200": FULL,
    "53300": UNAVAILABLE,
    "55P03": LOCKED,
    "57P01": UNAVAILABLE,
    "57P02": UNAVAILABLE,
    "57P03": UNAVAILABLE,
}
# SQLite says it in words; so does a PostgreSQL connection that is already gone.
_MESSAGES = (
    ("readonly database", READ_ONLY),
    ("read-only", READ_ONLY),
    ("disk is full", FULL),
    ("no space left", FULL),
    ("database is locked", LOCKED),
    ("database table is locked", LOCKED),
    ("disk i/o error", UNAVAILABLE),
    ("unable to open database", UNAVAILABLE),
    ("connection", UNAVAILABLE),
    ("server closed", UNAVAILABLE),
    ("terminating", UNAVAILABLE),
)


def database_fault(exc: BaseException) -> str | None:
    """READ_ONLY, FULL, LOCKED or UNAVAILABLE when ``exc`` says the database cannot serve
    now (and will again later); None for any other error, such as a bug in a query."""
    seen: BaseException | None = exc
    while seen is not None:
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if state:
            if state in _SQLSTATES:
                return _SQLSTATES[state]
            if state.startswith("08"):
                return UNAVAILABLE
        if isinstance(seen, DatabaseFault):
            text = str(seen).lower()
            for fragment, fault in _MESSAGES:
                if fragment in text:
                    return fault
        seen = seen.__cause__
    return None


Check = Callable[[], dict[str, Any]]
_checks: dict[str, Check] = {}


def health_register(*, name: str, check: Check) -> None:
    """Add ``name`` to the report: ``check()`` returns its part, with ``"ok": False`` when it
    is in trouble (which makes the whole report "degraded")."""
    _checks[name] = check


# A health check answers within a load balancer's timeout: it waits this long for SQLite's
# write lock (a long import holds it), not the site's busy timeout, and then says "locked".
HEALTH_BUSY_TIMEOUT_MS = 2000


@contextmanager
def _short_busy_timeout() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {HEALTH_BUSY_TIMEOUT_MS}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _claim_a_page() -> None:
    """Make PostgreSQL take one new page on disk. On a full disk an update that fits the page
    its row is in still succeeds (so does the heartbeat above), while every write that needs a
    new page fails with 53100: only a new page proves there is room. A temporary table lives in
    the database's own tablespace, its first row extends a new file by one page, and it is
    dropped when the caller's transaction ends (one round trip, no savepoint)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS paperfeed_space_probe (x int) ON COMMIT DROP; "
            "INSERT INTO paperfeed_space_probe VALUES (1)"
        )


def database_state() -> dict[str, Any]:
    """Readable, and writable: a real committed write, the only proof of a full disk or a
    read-only file or server."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseFault as exc:
        return {"ok": False, "readable": False, "writable": False, "fault": database_fault(exc)}
    try:
        with _short_busy_timeout(), transaction.atomic():
            now = timezone.now()
            name = f"healthz:{this_host()}"
            updated = Heartbeat.objects.filter(name=name).update(beat_at=now)
            if not updated:
                Heartbeat.objects.create(
                    name=name, host=name[8:], pid=0, started_at=now, beat_at=now
                )
            if connection.vendor == "postgresql":
                _claim_a_page()
    except DatabaseFault as exc:
        fault = database_fault(exc) or "error"
        logger.error("/healthz: the database takes no writes (%s): %s", fault, exc)
        return {"ok": False, "readable": True, "writable": False, "fault": fault}
    return {"ok": True, "readable": True, "writable": True, "fault": None}


def worker_state() -> dict[str, Any]:
    now = timezone.now()
    # One query: the newest 100 beats, newest first (the first is the latest).
    beats = list(
        Heartbeat.objects.exclude(name__startswith="healthz:")
        .order_by("-beat_at")
        .values_list("beat_at", flat=True)[:100]
    )
    age = round((now - beats[0]).total_seconds(), 1) if beats else None
    alive = sum(1 for beat_at in beats if (now - beat_at).total_seconds() <= STALE_SECONDS)
    return {
        "ok": age is not None and age <= STALE_SECONDS,
        "last_heartbeat_age_seconds": age,
        "alive": alive,
    }


def queue_state() -> dict[str, Any]:
    tasks = DBTaskResult.objects
    ready = tasks.ready().aggregate(count=Count("pk"), oldest=Min("enqueued_at"))
    oldest = ready["oldest"]
    return {
        "ok": True,
        "ready": ready["count"],
        "running": tasks.filter(status=TaskResultStatus.RUNNING).count(),
        "oldest_ready_age_seconds": None
        if oldest is None
        else round((timezone.now() - oldest).total_seconds(), 1),
    }


def health_report() -> tuple[int, dict[str, Any]]:
    """(HTTP status, report). 503 only when the database cannot be read, since then nothing
    can be served; any other trouble is "degraded" with 200, so that a load balancer keeps
    a web host that can still serve readers."""
    database = database_state()
    if not database["readable"]:
        return 503, {"status": "down", "database": database}
    report: dict[str, Any] = {"status": "ok", "database": database}
    parts: dict[str, Check] = {"worker": worker_state, "queue": queue_state, **_checks}
    for name, check in parts.items():
        try:
            report[name] = check()
        except DatabaseFault as exc:
            report[name] = {"ok": False, "error": str(exc)[:200]}
    if not all(part.get("ok", True) for part in report.values() if isinstance(part, dict)):
        report["status"] = "degraded"
    return 200, report
