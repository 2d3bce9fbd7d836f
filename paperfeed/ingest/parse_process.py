"""Parsing in a second process: a file import's reading, decompression, JSON and validation run
in a child process, which hands over batches of parsed records through a bounded queue while
this process writes the previous ones.

Threads cannot do this in Python: parsing holds the GIL, so a reader thread only overlaps with
the time the database driver releases it. A batch of records costs about 8 µs a record to
unpickle here, against ~35 µs to parse. The child never touches Django or the database (it is
started with ``spawn``: nothing of this process, its connections included, is inherited), and
it dies with this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

# Batches parsed ahead of the writer: enough to keep it busy, bounded so that a slow database
# does not let parsed records pile up in memory.
QUEUE_DEPTH = 2
# How long the writer waits for a batch before checking the child is still alive.
_POLL_SECONDS = 1.0


class ParseProcessDied(RuntimeError):
    """The parsing process ended without finishing (killed, out of memory); the message says
    how. Every batch committed before stays; running the same import again completes it."""


class _Failure:
    """An exception raised while parsing, carried to the writer."""

    def __init__(self, error: BaseException) -> None:
        try:
            pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, this instant
        except Exception:  # an exception that cannot cross processes: keep its words
            error = RuntimeError(f"{type(error).__name__}: {error}")
        self.error = error


_DONE = "done"


def batch_sizes(size: int, first_size: int | None = None) -> Iterator[int]:
    """How many items each batch of an import holds: ``first_size``, then twice the one before,
    up to ``size``, which every later batch holds.

    The writer has nothing to do until the first batch comes, so a small one starts it sooner
    (a parsing process first starts Python and imports the parsers); doubling then keeps the
    parser ahead of the writer, since parsing a record costs a third of writing it.
    """
    wanted = min(first_size or size, size)
    while True:
        yield wanted
        wanted = min(wanted * 2, size)


def _produce(
    slots: Any,
    source: Callable[..., Iterable[Any]],
    args: tuple[Any, ...],
    size: int,
    first_size: int | None,
) -> None:
    # Ctrl+C reaches the whole process group: the writer handles it and ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_the_writer()
    # As in the importer (``ingest.services.collector_paused``): parsing allocates a batch of
    # objects that reference counting frees, and the collector would walk it every 700
    # allocations; one young collection per batch instead.
    gc.disable()
    try:
        batch: list[Any] = []
        sizes = batch_sizes(size, first_size)
        wanted = next(sizes)
        for item in source(*args):
            batch.append(item)
            if len(batch) >= wanted:
                slots.put(batch)
                batch = []
                wanted = next(sizes)
                gc.collect(1)
        if batch:
            slots.put(batch)
        slots.put(_DONE)
    except BaseException as exc:
        slots.put(_Failure(exc))


def _end_with_the_writer() -> None:
    """End this process as soon as the writing process is gone, wherever it is. Killed with
    SIGKILL, the writer cannot end it, and nothing reads the queue any more: this process
    would wait for room in it forever or, having put its last batches, wait forever at its
    exit for the queue's feeder thread to write them into a pipe nobody reads (it holds that
    pipe's reading end too, so the write never fails). S89 found such a child left after a
    CI run, from the test that kills an import half-way. It only reads files: nothing of it
    needs finishing."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="paperfeed-parse-watch", daemon=True).start()


def batches_in_process(
    source: Callable[..., Iterable[Any]],
    args: tuple[Any, ...],
    *,
    size: int,
    first_size: int | None = None,
    depth: int = QUEUE_DEPTH,
) -> Generator[list[Any], None, None]:
    """Batches of ``size`` items of ``source(*args)``, produced in a child process; the first
    ones smaller when ``first_size`` is given (:func:`batch_sizes`).

    ``source`` and ``args`` must be picklable (a module-level function and plain values). An
    exception raised by the source is raised here, at the point its batch would have come.
    Closing the iterator early ends the child.
    """
    context = multiprocessing.get_context("spawn")
    slots = context.Queue(maxsize=depth)
    process = context.Process(
        target=_produce,
        args=(slots, source, args, size, first_size),
        name="paperfeed-parse",
        daemon=True,
    )
    process.start()
    try:
        while True:
            try:
                item = slots.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if process.is_alive():
                    continue
                try:  # it may have put its last batch just before ending
                    item = slots.get(timeout=_POLL_SECONDS)
                except queue.Empty:
                    raise ParseProcessDied(
                        f"the parsing process ended unexpectedly (exit code {process.exitcode})"
                    ) from None
            if isinstance(item, str) and item == _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        if process.is_alive():
            process.terminate()  # it only reads files: nothing of it needs finishing
        process.join(timeout=10)
        slots.close()
        slots.cancel_join_thread()
