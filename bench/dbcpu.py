"""The PostgreSQL backends that serve given client processes (a gunicorn server's workers), so a
bench can report the database server's CPU per request beside the workers' own: on one machine
the server's CPU competes for the same cores, and a page that asks fewer or cheaper queries
saves it there, where the workers' CPU does not show it.

A backend is found by its client's TCP port: each worker's sockets (``/proc/<pid>/fd``), their
local ports (``/proc/net/tcp``), and ``pg_stat_activity.client_port``. A backend that starts
during a measurement (a worker reconnecting after ``CONN_MAX_AGE``) is counted from its start;
one that ends during it loses what it spent after the first reading.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _socket_inodes(pids: list[int]) -> set[str]:
    found = set()
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            if link.startswith("socket:["):
                found.add(link[8:-1])
    return found


def _local_ports(inodes: set[str]) -> list[int]:
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[9] in inodes:
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def backend_pids(database_url: str, client_pids: list[int]) -> list[int]:
    """The PostgreSQL server processes connected to ``client_pids`` (the server on this
    machine, so their /proc entries can be read)."""
    import psycopg

    ports = _local_ports(_socket_inodes(client_pids))
    if not ports:
        return []
    with psycopg.connect(database_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)", [ports]
        ).fetchall()
    return [row[0] for row in rows]


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process still running."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


class BackendCPU:
    """The CPU seconds the backends serving ``client_pids`` spent between :meth:`start` and
    :meth:`stop` (backends looked up again at the stop, so a reconnect is counted)."""

    def __init__(self, database_url: str, client_pids: list[int]) -> None:
        self.database_url = database_url
        self.client_pids = client_pids
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = cpu_by_pid(backend_pids(self.database_url, self.client_pids))

    def stop(self) -> float:
        pids = set(self.before) | set(backend_pids(self.database_url, self.client_pids))
        after = cpu_by_pid(sorted(pids))
        return sum(after[pid] - self.before.get(pid, 0.0) for pid in after)
