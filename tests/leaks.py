"""What a test leaves running after its teardown: sessions on the test database other than this
process's own connection, and child processes. Either outlives the test that started it: on
PostgreSQL a session left open makes dropping the test database fail at the end of the run
("is being accessed by other users"), and a child lingers after the run.

tests/conftest.py checks after every test; the test that leaves something fails at its
teardown, with what it left (a session's client and last statement, whether this process or
which other one holds it; a child's command line), and the leftovers are ended so that the
tests after it start clean (``PAPERFEED_TEST_LEAKS=warn``: a warning instead of the failure).
The check costs one query of ``pg_stat_activity`` a test on PostgreSQL (none on SQLite) and a
look at the children this process started.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# A session closed at the end of the test (a server's thread closing its connection, a killed
# child's backend noticing) leaves pg_stat_activity a moment later; a child terminated but not
# yet waited for is still running for a moment.
GRACE_SECONDS = 5.0
_POLL_SECONDS = 0.02

# Every subprocess.Popen this process starts (asyncio's subprocesses too), until it is seen
# ended; those a session-scoped fixture keeps for the whole run (a Redis server, the browser's
# driver) are set aside in _kept.
_started: list[subprocess.Popen] = []
_kept: set[int] = set()
_recording = threading.local()
_popen_init = subprocess.Popen.__init__


def _recording_init(self: subprocess.Popen, *args: Any, **kwargs: Any) -> None:
    _popen_init(self, *args, **kwargs)
    _started.append(self)
    if getattr(_recording, "kept", False):
        _kept.add(id(self))


def install() -> None:
    """Record every child this process starts from now on (once, at the start of the run)."""
    subprocess.Popen.__init__ = _recording_init  # type: ignore[method-assign]


@contextlib.contextmanager
def kept_for_the_run() -> Iterator[None]:
    """Children started in this block belong to a session-scoped fixture, which ends them."""
    _recording.kept = True
    try:
        yield
    finally:
        _recording.kept = False


def _children() -> list[str]:
    """The children this process started that are still running, one line each."""
    alive = []
    for child in list(_started):
        if id(child) in _kept:
            continue
        if child.poll() is not None:
            _started.remove(child)
            continue
        command = child.args if isinstance(child.args, str) else " ".join(map(str, child.args))
        alive.append(f"pid {child.pid}: {command[:300]}")
    for process in multiprocessing.active_children():  # also reaps those that ended
        alive.append(f"pid {process.pid}: multiprocessing {process.name}")
    return alive


def _end_children() -> None:
    for child in list(_started):
        if id(child) not in _kept and child.poll() is None:
            child.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)
    for process in multiprocessing.active_children():
        process.kill()
        process.join(10)


class _Sessions:
    """Other sessions on the test database, seen from a connection of this check's own."""

    def __init__(self) -> None:
        self.connection: Any = None

    def _watch(self) -> Any:
        """The check's own connection to the test database; None on SQLite, or when this
        process has no test database (no test that uses one has run yet)."""
        from django.db import connection

        name = connection.settings_dict.get("NAME") or ""
        if connection.vendor != "postgresql" or not name.startswith("test_"):
            self.close()
            return None
        if self.connection is not None and (
            self.connection.closed or self.connection.info.dbname != name
        ):
            self.close()
        if self.connection is None:
            import psycopg

            params = connection.settings_dict
            self.connection = psycopg.connect(
                dbname=name,
                host=params.get("HOST") or None,
                port=params.get("PORT") or None,
                user=params.get("USER") or None,
                password=params.get("PASSWORD") or None,
                autocommit=True,
                application_name="paperfeed-tests-leak-check",
            )
        return self.connection

    def others(self) -> list[tuple[Any, ...]]:
        """(pid, application, client port, state, last statement) of every client session on
        the test database but this process's main connection and the check's own."""
        from django.db import connection

        watch = self._watch()
        if watch is None:
            return []
        own = [watch.info.backend_pid]
        if connection.connection is not None and not connection.connection.closed:
            own.append(connection.connection.info.backend_pid)
        return watch.execute(
            "SELECT pid, application_name, client_port, state, left(query, 200) "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> ALL(%s)",
            [own],
        ).fetchall()

    def end(self, pids: list[int]) -> None:
        self._watch().execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [pids])

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
        self.connection = None


_sessions = _Sessions()


def _django_wrapper(backend_pid: int) -> str:
    """Which of this process's Django connections holds the session ``backend_pid``, if one
    does: its alias and the thread that made it. A thread's connection is not always the one its
    code reaches as ``connection``: while an event loop is marked running in the thread (as
    Playwright's sync API leaves it) Django's connections are another storage's (S90)."""
    import gc

    from django.db.backends.base.base import BaseDatabaseWrapper

    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for wrapper in gc.get_objects():
        if not isinstance(wrapper, BaseDatabaseWrapper):
            continue
        with contextlib.suppress(Exception):
            if wrapper.connection.info.backend_pid == backend_pid:
                thread = names.get(wrapper._thread_ident, "a thread that has ended")
                return f"Django's {wrapper.alias!r} connection made in {thread}; "
    return ""


def _holder(port: int, backend_pid: int) -> str:
    """Which process holds the client end of a loopback TCP connection from ``port`` (for this
    process, which of its Django connections, if one does)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    for pid in [os.getpid(), *(int(p) for p in os.listdir("/proc") if p.isdigit())]:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                        if pid == os.getpid():
                            threads = ", ".join(t.name for t in threading.enumerate())
                            wrapper = _django_wrapper(backend_pid)
                            return f"this test process ({wrapper}threads: {threads})"
                        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                        return f"pid {pid}: {command.decode()[:300]}"
    return "a process not found (gone?)"


def leftovers(*, database: bool = True) -> list[str]:
    """What is still running, after a grace period for what is ending anyway; it is ended."""
    deadline = time.monotonic() + GRACE_SECONDS
    while True:
        sessions = _sessions.others() if database else []
        children = _children()
        if not (sessions or children) or time.monotonic() > deadline:
            break
        time.sleep(_POLL_SECONDS)
    found = [
        f"a session on the test database (pid {pid}, {application or 'no application name'}, "
        f"{state}, last statement {query!r}) held by "
        + (_holder(port, pid) if port and port > 0 else "?")
        for pid, application, port, state, query in sessions
    ]
    found += [f"a child process still running: {child}" for child in children]
    if sessions:
        _sessions.end([row[0] for row in sessions])
    if children:
        _end_children()
    return found


def close() -> None:
    """Before the test database is dropped: the check's own session must go too."""
    _sessions.close()


def report(text: str) -> None:
    """A leftover fails its test (the leftovers are ended either way); with
    PAPERFEED_TEST_LEAKS=warn it is only a warning naming it, for a run that must go on while
    a leftover is traced."""
    if os.environ.get("PAPERFEED_TEST_LEAKS") == "warn":
        warnings.warn(pytest.PytestWarning(text), stacklevel=2)
        return
    pytest.fail(text, pytrace=False)
