"""The ingest run: import parsed items in committed batches, with a reader thread, and record
an :class:`IngestRun`. The catalogue writes themselves are ``papers.services.papers_upsert``."""

from __future__ import annotations

import gc
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from paperfeed.core.liveness import holder_gone
from paperfeed.ingest.models import IngestRun
from paperfeed.ingest.parse_process import batch_sizes
from paperfeed.papers.records import PaperRecord, Rejected, UpsertSummary
from paperfeed.papers.services import (
    catalogue_indexes_defer,
    catalogue_indexes_restore,
    papers_upsert,
)
from paperfeed.papers.tasks import (
    glances_build_task,
    search_index_update_task,
    similar_build_task,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
# A run's first batch: then twice as many each batch up to BATCH_SIZE (parse_process.batch_sizes).
# The importer waits for its first batch, and parsing 1,000 records takes ~50 ms where 5,000
# took ~0.25 s (docs/performance.md, "Import: the first batch sooner").
FIRST_BATCH_SIZE = 1000
# A run beats with each committed batch. From another host, one silent this long is taken for
# gone (on its own host, a run is gone as soon as its pid is): far longer than any batch, with
# the fetchers' retries and backoff, takes.
RUN_STALE_SECONDS = 30 * 60

ProgressCallback = Callable[[int], None]
Item = PaperRecord | Rejected


def _batches(items: Iterable[Item], size: int, first_size: int) -> Iterator[tuple[list[Item], str]]:
    iterator = iter(items)
    for wanted in batch_sizes(size, first_size):
        batch = list(islice(iterator, wanted))
        if not batch:
            return
        yield batch, ""


_DONE = object()


def _prefetched(batches: Iterable[Any], depth: int = 2) -> Iterator[Any]:
    """Produce batches in a background thread while the caller writes the previous one.

    Decompression (lzma, zlib), network reads and SQLite all release the GIL, so reading and
    parsing the next batch overlaps with writing this one. The producer never touches the
    database. Its exceptions are re-raised here, in the caller's thread.
    """
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        slots.put(batch, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as exc:
            slots.put(exc)
        finally:
            # A generator that holds something (a parsing process) lets go of it now, not
            # whenever it is collected.
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="ingest-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def ingest_run(
    *,
    source: str,
    items: Iterable[Item] | None = None,
    pages: Iterable[tuple[list[Item], str]] | None = None,
    parameters: dict[str, Any] | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None,
    checked: bool = False,
) -> IngestRun:
    """Import parsed items in batches, recording an :class:`IngestRun`.

    Give either ``items`` (cut into batches of ``batch_size``, the first ones smaller: see
    ``FIRST_BATCH_SIZE``) or ``pages``: (items, cursor)
    pairs whose cursor, e.g. an OAI resumption token, is saved once that page is committed.
    Each batch commits on its own, so a run killed half-way keeps every finished batch and
    re-running it completes the import (the upsert is idempotent). With ``dry_run`` every batch
    is rolled back, so the counts are real but nothing is stored. ``checked``: every record
    given already passed ``papers.records.upsert_problem`` (a parsing process's do:
    ``parsers.detect.iter_checked_records``), which ``papers_upsert`` then skips.
    """
    if (items is None) == (pages is None):
        raise ValueError("give exactly one of items or pages")
    ingest_runs_abandon()
    _indexes_back_unless_running()
    run = IngestRun.objects.create(
        source=source,
        parameters=parameters or {},
        status=IngestRun.Status.RUNNING,
        host=socket.gethostname(),
        pid=os.getpid(),
        beat_at=timezone.now(),
    )
    started = time.monotonic()
    summary = UpsertSummary()
    batches = pages if pages is not None else _batches(items or (), batch_size, FIRST_BATCH_SIZE)
    # Secondary indexes a first load set aside (papers/bulk_indexes.py), built when it ends.
    deferred: list[str] = []
    try:
        _sqlite_checkpoint_every(pages=20_000)
        _sqlite_foreign_keys(on=False)
        with collector_paused():
            _import_batches(
                run,
                batches,
                summary,
                dry_run=dry_run,
                progress=progress,
                checked=checked,
                deferred=deferred,
            )
        if deferred:
            catalogue_indexes_restore()
    except BaseException as exc:
        # BaseException too: Ctrl+C should still leave an honest record of the run.
        logger.error("ingest run %s (%s) failed: %s", run.pk, source, exc)
        if deferred:
            _restore_after_failure()
        _finish(run, summary, started, IngestRun.Status.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        try:
            _sqlite_foreign_keys(on=True)
            _sqlite_checkpoint_every(pages=1000)
        except DatabaseError:  # never mask the run's own error; a fresh connection has both
            connection.close()
    status = IngestRun.Status.DRY_RUN if dry_run else IngestRun.Status.SUCCEEDED
    _finish(run, summary, started, status, "")
    if not dry_run and (summary.new or summary.updated):
        _enqueue_index_updates()
    return run


def _import_batches(
    run: IngestRun,
    batches: Iterable[tuple[list[Item], str]],
    summary: UpsertSummary,
    *,
    dry_run: bool,
    progress: ProgressCallback | None,
    checked: bool,
    deferred: list[str],
) -> None:
    """Each batch in its own transaction, then the run's counts and cursor; adds to ``summary``.
    A first load's first batch sets the secondary indexes aside first (names into ``deferred``).
    """
    first = not dry_run
    for batch, cursor in _prefetched(batches):
        records: list[PaperRecord] = []
        batch_summary = UpsertSummary()
        for item in batch:
            if isinstance(item, Rejected):
                batch_summary.reject(item.reason, item.arxiv_id, item.location)
            else:
                records.append(item)
        if first:
            deferred.extend(catalogue_indexes_defer(incoming=len(batch)))
            if deferred:
                logger.info("a first load: %d secondary indexes built when it ends", len(deferred))
            first = False
        with transaction.atomic():
            batch_summary.add(papers_upsert(records=records, checked=checked))
            if dry_run:
                transaction.set_rollback(True)
        summary.add(batch_summary)
        IngestRun.objects.filter(pk=run.pk).update(
            cursor=cursor, beat_at=timezone.now(), **summary.as_dict()
        )
        if progress:
            progress(len(batch))
        del batch, records
        gc.collect(1)  # what a batch left in reference cycles, while the collector is paused


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while an import runs (as it was, after).

    An import allocates millions of objects that reference counting frees (records, merged
    states, rows), and the collector runs every 700 allocations, each young collection walking
    the batch that is still alive: 15-20 % of an import's CPU. Batches are collected one
    generation deep after each one is written instead (:func:`_import_batches`), so the cycles a
    long import leaves (exceptions, ORM queries) do not accumulate.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _restore_after_failure() -> None:
    """After a failed first load: its indexes back now if the database still answers, else on
    the next import's start or ``migrate`` (never masking the run's own error)."""
    try:
        catalogue_indexes_restore()
    except DatabaseError as exc:
        logger.warning("secondary indexes not rebuilt yet (next import or migrate will): %s", exc)


def ingest_runs_abandon() -> int:
    """Mark abandoned the runs left "running" by a process that is gone; return how many.
    Their committed batches stay, and an OAI harvest resumes from their cursor."""
    now = timezone.now()
    gone = [
        pk
        for pk, host, pid, beat_at in IngestRun.objects.filter(
            status=IngestRun.Status.RUNNING
        ).values_list("pk", "host", "pid", "beat_at")
        if holder_gone(host=host, pid=pid, beat_at=beat_at, now=now, stale_after=RUN_STALE_SECONDS)
    ]
    if not gone:
        return 0
    count = IngestRun.objects.filter(pk__in=gone, status=IngestRun.Status.RUNNING).update(
        status=IngestRun.Status.ABANDONED,
        finished_at=now,
        message="abandoned: the process running it is gone",
    )
    logger.warning("%d ingest run(s) abandoned: their process is gone (ids %s)", count, gone)
    _indexes_back_unless_running()
    return count


def _indexes_back_unless_running() -> None:
    """With no run under way, the secondary indexes a killed first load set aside are built
    (papers/bulk_indexes.py); a run under way may be a first load that set them aside."""
    if not IngestRun.objects.filter(status=IngestRun.Status.RUNNING).exists():
        catalogue_indexes_restore()


def _enqueue_index_updates() -> None:
    """The search index (paperfeed.papers.textindex), similar papers and search by meaning
    (paperfeed.papers.similar), and keywords and one-line summaries (paperfeed.papers.glance)
    catch up with the import, each unless turned off."""
    if settings.PAPERFEED_SEARCH_INDEX_AFTER_IMPORT:
        transaction.on_commit(search_index_update_task.enqueue)
    if settings.PAPERFEED_SIMILAR_AFTER_IMPORT:
        transaction.on_commit(similar_build_task.enqueue)
    if settings.PAPERFEED_GLANCES_AFTER_IMPORT:
        transaction.on_commit(glances_build_task.enqueue)


def _sqlite_checkpoint_every(*, pages: int) -> None:
    """Set how far SQLite's WAL may grow before this connection checkpoints it.

    At the default 1,000 pages, every few import batches pay for a checkpoint that copies the
    same pages a second time. A larger WAL (20,000 pages, ~80 MB) is just as crash-safe; the
    default is restored when the run ends.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


def _sqlite_foreign_keys(*, on: bool) -> None:
    """Turn SQLite's foreign-key checks off for this connection while it imports, on after.

    Each author or category link costs a look-up of its paper and author for the check (~2 µs,
    ~6 % of an import's CPU). The importer writes only ids it read or inserted itself inside the
    same batch transaction, which holds SQLite's write lock from BEGIN (IMMEDIATE), so no other
    writer can remove one meanwhile; every other connection keeps its checks. A no-op inside a
    transaction (SQLite ignores the pragma there), e.g. when the caller holds one.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _finish(
    run: IngestRun, summary: UpsertSummary, started: float, status: str, message: str
) -> None:
    run.refresh_from_db(fields=["cursor"])
    run.status = status
    run.message = message[:2000]
    run.new, run.updated = summary.new, summary.updated
    run.unchanged, run.rejected = summary.unchanged, summary.rejected
    run.errors = summary.errors
    run.finished_at = timezone.now()
    run.duration_seconds = round(time.monotonic() - started, 3)
    run.save()
