"""An import's writes on a second connection, so that the importer merges the next batch while
PostgreSQL stores this one.

Without it an import on PostgreSQL is the importer's CPU and then the server's, batch by batch:
while the server stores a batch's rows and checks its links, the importer waits, and while it
merges the next batch, the server idles. Here one thread with its own connection writes and
commits each merged batch (``papers_upsert_write``), one at a time and in order, while the
importer reads and merges the next (``papers.upsert_plan``). A paper the batch in flight writes
is merged only once that batch has committed (``held``), so every paper is merged against the
state the one-connection import would have read, and the same rows are stored.

PostgreSQL only, and only when nothing needs the one connection: not in a dry run (its batches
roll back, so the next one must not count on them), nor inside a caller's transaction (a second
connection would write outside it). SQLite's writer holds the database's one write lock and
its import already overlaps with the driver's released GIL.
"""

from __future__ import annotations

import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, transaction

from paperfeed.papers.records import UpsertSummary
from paperfeed.papers.services import papers_upsert_write
from paperfeed.papers.upsert_plan import UpsertPlan

# Seconds a thread runs before one waiting for the GIL may take it (Python's default 0.005).
SWITCH_INTERVAL = 0.0005


def wanted(*, dry_run: bool) -> bool:
    """Whether this import writes on a second connection (see the module's words)."""
    return not dry_run and connection.vendor == "postgresql" and not connection.in_atomic_block


@dataclass
class Pending:
    """A batch handed to the writer: its counts come with ``future``; the rest is what the
    importer records once it has committed."""

    future: Future[UpsertSummary]
    keys: frozenset[str]
    summary: UpsertSummary
    cursor: str
    size: int


class BatchWriter:
    """One thread, with its own database connection, that writes and commits batches in the
    order given."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        # The writer gives up the GIL each time it waits for the server, and must win it back
        # from the merging importer when the server answers: by default it waits up to 5 ms for
        # that, once per statement and per COPY buffer the socket could not take at once, which
        # held it longer than the server did. As it was once the writer is closed.
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)

    def submit(self, plan: UpsertPlan, summary: UpsertSummary, cursor: str, size: int) -> Pending:
        future = self._thread.submit(_write, plan)
        return Pending(future, plan.keys, summary, cursor, size)

    def close(self) -> None:
        """Wait for the batch in flight, then close the thread's connection and the thread."""
        try:
            self._thread.submit(_close)
            self._thread.shutdown(wait=True)
        finally:
            sys.setswitchinterval(self._interval)


def _close() -> None:
    connection.close()  # the thread's own: Django's connections are per thread


def _write(plan: UpsertPlan) -> UpsertSummary:
    with transaction.atomic():
        return papers_upsert_write(plan=plan)
