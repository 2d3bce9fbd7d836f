"""Deriving the search engine's index (:mod:`paperfeed.papers.textindex`) from the database.

- :func:`textindex_rebuild`: every paper into a new build, made live when complete;
- :func:`textindex_update`: the papers written since the live build last caught up, committed
  into it (the worker runs this after each import; a rebuild when there is no build yet).

Papers are read in id ranges, with their authors and categories, so memory stays flat at any
catalogue size. Hidden papers are indexed too: the query leaves out the (few) hidden ones as
they are when it runs, so hiding needs no index write and shows at once.
"""

from __future__ import annotations

import fcntl
import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min, Model
from django.utils import timezone

from paperfeed.core.backup import database_label
from paperfeed.papers import search, textindex
from paperfeed.papers.models import Paper, PaperAuthor, PaperCategory

logger = logging.getLogger(__name__)

CHUNK = 5_000
# An import transaction that started before an update read the catalogue may commit rows
# stamped a little earlier than that update's watermark: updates look back this far again.
LOOKBACK = timedelta(minutes=10)
# A rebuild's writer is one thread with the budget PAPERFEED_SEARCH_REBUILD_MEMORY_MB gives it
# (at most tantivy's ceiling for one thread, just under 4 GiB), so a catalogue of a few million
# papers is written as one segment, in paper-id order, with no merge: the budget is a
# ceiling, the arena grows with what it holds (~1 GB of RSS at 1 M). The small heap updates
# keep (256 MB for two threads) left three segments at 1 M (840 k, 87 k and 73 k papers, the
# first merged from eight); see docs/performance.md ("Search index: one segment per rebuild").
REBUILD_HEAP_MAX_MB = 4000


@dataclass
class IndexReport:
    full: bool
    papers: int
    seconds: float
    root: str

    def as_dict(self) -> dict:
        return asdict(self)


@contextmanager
def _build_lock(base: Path) -> Iterator[None]:
    # One writer at a time per host (tantivy also locks the directory it writes).
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _paper_rows(start: int, end: int, since: datetime | None) -> list[tuple]:
    """(id, title, abstract, published as Unix seconds, is_stub) of the papers with ids in
    [start, end), in id order. Plain SQL: the ORM's per-row conversions (parsing each date
    and making it aware, only for the index to want seconds) were a third of a rebuild's
    Python time."""
    if connection.vendor == "postgresql":
        seconds = "FLOOR(EXTRACT(EPOCH FROM published))::bigint"
    else:  # Django stores SQLite datetimes as UTC text
        seconds = "CAST(strftime('%%s', published) AS INTEGER)"
    # Constant table and column names; the values go as parameters.
    sql = (
        f"SELECT id, title, abstract, {seconds}, published_is_estimate AND listed_on IS NULL "  # noqa: S608
        f"FROM {Paper._meta.db_table} WHERE id >= %s AND id < %s"
    )
    params: list = [start, end]
    if since is not None:
        sql += " AND updated_at > %s"
        params.append(connection.ops.adapt_datetimefield_value(since))
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY id", params)
        return cursor.fetchall()


def _linked(model: type[Model], column: str, start: int, end: int, ids: list[int] | None) -> dict:
    """``column`` of ``model``'s rows for the papers with ids in [start, end) (or only ``ids``),
    as lists in position order keyed by paper id. Plain SQL and one grouped walk: the ORM's
    row iterator over the ~7 author rows a paper was a third of a rebuild's reading thread."""
    table = model._meta.db_table
    if ids is None:
        where, params = "paper_id >= %s AND paper_id < %s", [start, end]
    else:
        where, params = f"paper_id IN ({', '.join(['%s'] * len(ids))})", ids
    with connection.cursor() as cursor:
        # Constant table and column names; the values go as parameters.
        cursor.execute(
            f"SELECT paper_id, {column} FROM {table} WHERE {where} "  # noqa: S608
            "ORDER BY paper_id, position",
            params,
        )
        rows = cursor.fetchall()
    return {
        paper_id: [value for _, value in group]
        for paper_id, group in groupby(rows, key=itemgetter(0))
    }


def entries(*, since: datetime | None = None) -> Iterator[textindex.Entry]:
    """Every paper (or those updated after ``since``) as index entries, in id order."""
    papers = Paper.objects.all()
    if since is not None:
        papers = papers.filter(updated_at__gt=since)
    bounds = papers.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, CHUNK):
        end = start + CHUNK
        rows = _paper_rows(start, end, since)
        if not rows:
            continue
        # A rebuild reads every paper of the range, so its authors and categories are read
        # by the same range, on the (paper, position) index; an update, a few papers of it,
        # by their ids.
        ids = None if since is None else [row[0] for row in rows]
        names = _linked(PaperAuthor, "name", start, end, ids)
        categories = _linked(PaperCategory, "category", start, end, ids)
        for pk, title, abstract, published, is_stub in rows:
            yield textindex.Entry(
                paper_id=pk,
                title=title,
                abstract=abstract,
                authors=search.authors_text(names.get(pk, ())),
                categories=categories.get(pk, []),
                published=published,
                is_stub=bool(is_stub),
            )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    # A build allocates millions of short-lived rows and strings and makes no reference
    # cycles worth collecting; the collector's passes over the process's long-lived objects
    # were ~5 % of a rebuild's CPU (perf).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rebuild_heap() -> int:
    """The rebuild's writer budget in bytes (tantivy wants at least 15 MB for a thread)."""
    megabytes = settings.PAPERFEED_SEARCH_REBUILD_MEMORY_MB
    return max(16, min(megabytes, REBUILD_HEAP_MAX_MB)) * 1_000_000


def textindex_rebuild() -> IndexReport:
    """Index every paper into a new build and make it live."""
    started = time.perf_counter()
    base = textindex.index_dir()
    with _build_lock(base):
        watermark = timezone.now()
        root, index = textindex.new_build(base)
        with _cyclic_gc_paused():
            count = textindex.write_entries(
                index, entries(), replace=False, threads=1, heap=rebuild_heap()
            )
        textindex.write_state(
            root, {"database": database_label(), "caught_up_to": watermark.isoformat()}
        )
        textindex.make_live(base, root)
    # Searches cached since the import that led here were answered by the build before this
    # one, under the version that import wrote: make them stale now the new papers can be found.
    search.catalogue_changed()
    return IndexReport(True, count, round(time.perf_counter() - started, 2), str(root))


def textindex_update() -> IndexReport:
    """Bring the live build up to date with the papers written since it last caught up; a
    full rebuild when there is no usable build."""
    started = time.perf_counter()
    base = textindex.index_dir()
    with _build_lock(base):
        caught_up = _catch_up(base)
    if caught_up is None:
        return textindex_rebuild()
    root, count = caught_up
    if count:
        search.catalogue_changed()  # as after a rebuild
    return IndexReport(False, count, round(time.perf_counter() - started, 2), str(root))


def _catch_up(base: Path) -> tuple[Path, int] | None:
    """Commit the papers written since the live build last caught up into it: its root and how
    many; None when there is no usable build. Under the build lock, so a rebuild that finished
    meanwhile cannot have removed the build found here."""
    root = textindex.current_root(base)
    index = textindex.live_index(database=database_label())
    state = textindex.read_state(root) if root is not None else {}
    if root is None or index is None or "caught_up_to" not in state:
        return None
    if state.get("format") != textindex.FORMAT:
        # Entries of this version's schema must not go into a build of another format (its
        # fields differ): the older build keeps answering until the rebuild replaces it.
        logger.warning(
            "search index %s has format %s, this version writes format %s: rebuilding it "
            "(paperfeed search rebuild)",
            root,
            state.get("format"),
            textindex.FORMAT,
        )
        return None
    watermark = timezone.now()
    since = datetime.fromisoformat(state["caught_up_to"]) - LOOKBACK
    with _cyclic_gc_paused():
        count = textindex.write_entries(index, entries(since=since), replace=True)
    textindex.write_state(root, {**state, "caught_up_to": watermark.isoformat()})
    index.reload()
    return root, count


def textindex_status() -> dict:
    """What the live build holds, for ``paperfeed search status``."""
    root = textindex.current_root(textindex.index_dir())
    index = textindex.live_index(database=database_label())
    if root is None or index is None:
        return {}
    return {
        "root": str(root),
        "papers": index.searcher().num_docs,
        **textindex.read_state(root),
    }
