"""Writing records into the catalogue: the idempotent upsert and the ingest run around it."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from paperfeed.core import bulk
from paperfeed.ingest.models import IngestRun
from paperfeed.papers import search
from paperfeed.papers.merge import PaperState, author_key, merge
from paperfeed.papers.models import Featured
from paperfeed.papers.records import PaperRecord, Rejected, check_record, strip_nul

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
# SQLite's default limit on bound parameters is 32,766; stay well below it per IN (...) list.
IN_CHUNK = 900
MAX_STORED_ERRORS = 200

# Columns of papers_paper written by the importer, in the order of the rows built below.
PAPER_COLUMNS = (
    "arxiv_id",
    "version",
    "versions",
    "title",
    "abstract",
    "comments",
    "journal_ref",
    "doi",
    "license",
    "primary_category",
    "published",
    "published_is_estimate",
    "updated",
    "listed_on",
    "code_url",
    "code_url_source",
    "code_stars",
    "project_page",
    "sources",
)
_STATE_COLUMNS = ("id", *PAPER_COLUMNS)
# PostgreSQL array types for the bulk writes, in PAPER_COLUMNS order (+ created/updated_at).
PAPER_PG_TYPES = (
    "varchar",
    "smallint",
    "jsonb",
    "text",
    "text",
    "text",
    "text",
    "varchar",
    "varchar",
    "varchar",
    "timestamptz",
    "boolean",
    "timestamptz",
    "date",
    "varchar",
    "varchar",
    "integer",
    "varchar",
    "jsonb",
)


@dataclass
class IngestSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def reject(self, reason: str, arxiv_id: str | None = None, location: str = "") -> None:
        self.rejected += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"id": arxiv_id or "", "reason": reason, "location": location})

    def add(self, other: IngestSummary) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        room = MAX_STORED_ERRORS - len(self.errors)
        self.errors.extend(other.errors[: max(room, 0)])

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(count: int) -> str:
    return ",".join(["%s"] * count)


def _load_states(arxiv_ids: Sequence[str]) -> dict[str, PaperState]:
    states: dict[str, PaperState] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(arxiv_ids):
            cursor.execute(
                f"SELECT {', '.join(_STATE_COLUMNS)} FROM papers_paper "
                f"WHERE arxiv_id IN ({_placeholders(len(chunk))})",
                list(chunk),
            )
            for row in cursor.fetchall():
                values = dict(zip(_STATE_COLUMNS, row, strict=True))
                for name in ("versions", "sources"):
                    if isinstance(values[name], str):
                        values[name] = json.loads(values[name])
                for name in ("published", "updated"):
                    values[name] = _as_datetime(values[name])
                if isinstance(values["listed_on"], str):
                    values["listed_on"] = date.fromisoformat(values["listed_on"])
                values["published_is_estimate"] = bool(values["published_is_estimate"])
                for name in ("versions", "sources"):
                    values[name] = values[name] or None
                states[values["arxiv_id"]] = PaperState(**values)
        if not states:
            return states
        by_id = {state.id: state for state in states.values()}
        ids = list(by_id)
        for chunk in _chunks(ids):
            marks = _placeholders(len(chunk))
            cursor.execute(
                "SELECT pa.paper_id, a.name FROM papers_paperauthor pa "
                "JOIN papers_author a ON a.id = pa.author_id "
                f"WHERE pa.paper_id IN ({marks}) ORDER BY pa.paper_id, pa.position",
                list(chunk),
            )
            for paper_id, name in cursor.fetchall():
                state = by_id[paper_id]
                state.authors = [*(state.authors or []), name]
            cursor.execute(
                "SELECT paper_id, category FROM papers_papercategory "
                f"WHERE paper_id IN ({marks}) ORDER BY paper_id, position",
                list(chunk),
            )
            for paper_id, category in cursor.fetchall():
                state = by_id[paper_id]
                state.categories = [*(state.categories or []), category]
    return states


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _datetime_param(value: datetime | None) -> Any:
    """A datetime as the backend stores it; Django's own adapter costs ~9 µs a call here.

    SQLite columns hold naive UTC text ("2025-03-18 00:00:00[.ffffff]"), exactly what Django's
    SQLite backend writes; PostgreSQL takes the aware datetime itself.
    """
    if value is None or connection.vendor != "sqlite":
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _row(state: PaperState) -> list[Any]:
    ops = connection.ops
    return [
        state.arxiv_id,
        state.version,
        json.dumps(state.versions or []),
        state.title,
        state.abstract or "",
        state.comments or "",
        state.journal_ref or "",
        state.doi or "",
        state.license or "",
        state.primary_category or "",
        _datetime_param(state.published),
        state.published_is_estimate,
        _datetime_param(state.updated),
        ops.adapt_datefield_value(state.listed_on),
        state.code_url or "",
        state.code_url_source or "",
        state.code_stars,
        state.project_page or "",
        json.dumps(state.sources or []),
    ]


def _author_ids(names: Iterable[str]) -> dict[str, int]:
    """Author id for each folded name key, creating the authors that are new."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(author_key(name), name)
    found: dict[str, int] = {}
    keys = list(wanted)
    with connection.cursor() as cursor:
        for chunk in _chunks(keys):
            cursor.execute(
                f"SELECT key, id FROM papers_author WHERE key IN ({_placeholders(len(chunk))})",
                list(chunk),
            )
            found.update(cursor.fetchall())
        missing = [key for key in keys if key not in found]
        if missing:
            bulk.insert_rows(
                cursor,
                table="papers_author",
                columns=("name", "key"),
                pg_types=("varchar", "varchar"),
                rows=[(wanted[key], key) for key in missing],
                on_conflict="(key) DO NOTHING",
            )
            for chunk in _chunks(missing):
                cursor.execute(
                    f"SELECT key, id FROM papers_author WHERE key IN ({_placeholders(len(chunk))})",
                    list(chunk),
                )
                found.update(cursor.fetchall())
    return found


def _write_papers(new: list[PaperState], changed: list[PaperState]) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if new:
            bulk.insert_rows(
                cursor,
                table="papers_paper",
                columns=(*PAPER_COLUMNS, "created_at", "updated_at"),
                pg_types=(*PAPER_PG_TYPES, "timestamptz", "timestamptz"),
                rows=[[*_row(state), now, now] for state in new],
            )
            # A bulk insert cannot return ids in input order on both databases, and one
            # INSERT ... RETURNING per row is several times slower: read them back instead.
            by_arxiv_id = {state.arxiv_id: state for state in new}
            for chunk in _chunks(list(by_arxiv_id)):
                cursor.execute(
                    "SELECT arxiv_id, id FROM papers_paper "
                    f"WHERE arxiv_id IN ({_placeholders(len(chunk))})",
                    list(chunk),
                )
                for arxiv_id, paper_id in cursor.fetchall():
                    by_arxiv_id[arxiv_id].id = paper_id
        if changed:
            bulk.update_rows(
                cursor,
                table="papers_paper",
                key="id",
                columns=(*PAPER_COLUMNS[1:], "updated_at"),
                pg_types=(*PAPER_PG_TYPES[1:], "timestamptz"),
                rows=[[*_row(state)[1:], now, state.id] for state in changed],
            )


def _write_links(states: list[PaperState], previous: dict[str, PaperState | None]) -> None:
    """Rewrite author and category rows of the papers whose lists changed."""
    author_changed = [
        s for s in states if s.authors is not None and s.authors != _prev(previous, s, "authors")
    ]
    category_changed = [
        s
        for s in states
        if s.categories is not None and s.categories != _prev(previous, s, "categories")
    ]
    with connection.cursor() as cursor:
        if author_changed:
            ids = [s.id for s in author_changed if previous.get(s.arxiv_id) is not None]
            for chunk in _chunks(ids):
                cursor.execute(
                    "DELETE FROM papers_paperauthor "
                    f"WHERE paper_id IN ({_placeholders(len(chunk))})",
                    list(chunk),
                )
            author_ids = _author_ids(name for s in author_changed for name in s.authors or [])
            rows = []
            for state in author_changed:
                seen: set[int] = set()
                position = 0
                for name in state.authors or []:
                    author_id = author_ids[author_key(name)]
                    if author_id in seen:
                        continue  # the same person listed twice on one paper
                    seen.add(author_id)
                    rows.append((state.id, author_id, position))
                    position += 1
            bulk.insert_rows(
                cursor,
                table="papers_paperauthor",
                columns=("paper_id", "author_id", "position"),
                pg_types=("bigint", "bigint", "smallint"),
                rows=rows,
            )
        if category_changed:
            ids = [s.id for s in category_changed if previous.get(s.arxiv_id) is not None]
            for chunk in _chunks(ids):
                cursor.execute(
                    "DELETE FROM papers_papercategory "
                    f"WHERE paper_id IN ({_placeholders(len(chunk))})",
                    list(chunk),
                )
            bulk.insert_rows(
                cursor,
                table="papers_papercategory",
                columns=("paper_id", "category", "position"),
                pg_types=("bigint", "varchar", "smallint"),
                rows=[
                    (state.id, category, position)
                    for state in category_changed
                    for position, category in enumerate(dict.fromkeys(state.categories or []))
                ],
            )


def _prev(previous: dict[str, PaperState | None], state: PaperState, name: str) -> Any:
    old = previous.get(state.arxiv_id)
    return getattr(old, name) if old is not None else None


def _write_featured(records: list[tuple[PaperState, PaperRecord]]) -> None:
    for state, record in records:
        featured = record.featured
        assert featured is not None
        source = Featured.Source.HF_DAILY if record.source.startswith("hf") else record.source
        entry, created = Featured.objects.get_or_create(
            paper_id=state.id,
            day=featured.day,
            defaults={
                "source": source,
                "upvotes": featured.upvotes,
                "submitter_name": featured.submitter[:150],
                "comment": featured.comment,
            },
        )
        if not created:
            changes: dict[str, Any] = {}
            # Upvotes at the source only grow; an older scrape must not lower them.
            if featured.upvotes > entry.upvotes:
                changes["upvotes"] = featured.upvotes
            if featured.submitter and not entry.submitter_name:
                changes["submitter_name"] = featured.submitter[:150]
            if changes:
                Featured.objects.filter(pk=entry.pk).update(**changes, updated_at=timezone.now())
    # Upvote history for trending: one snapshot per imported count.
    from paperfeed.trending.services import upvotes_record_featured

    upvotes_record_featured(
        entries=[
            (state.id, record.source, record.featured.day, record.featured.upvotes)
            for state, record in records
            if record.featured is not None
        ]
    )


def papers_upsert(*, records: Sequence[PaperRecord]) -> IngestSummary:
    """Merge one batch of records into the catalogue, in the caller's transaction.

    A record repeated verbatim within the batch is rejected as a duplicate; different records
    for one paper (the same paper listed on two days) are merged in order.
    """
    summary = IngestSummary()
    accepted: list[PaperRecord] = []
    seen: dict[str, list[PaperRecord]] = {}
    for record in records:
        strip_nul(record)
        problem = check_record(record)
        if problem:
            summary.reject(problem, record.arxiv_id)
            continue
        earlier = seen.setdefault(record.arxiv_id, [])
        if record in earlier:
            summary.reject("duplicate of an earlier record in the same batch", record.arxiv_id)
            continue
        earlier.append(record)
        accepted.append(record)
    if not accepted:
        return summary

    stored = _load_states(list(seen))
    previous: dict[str, PaperState | None] = {key: stored.get(key) for key in seen}
    current: dict[str, PaperState | None] = dict(previous)
    featured: list[tuple[str, PaperRecord]] = []
    for record in accepted:
        before = current[record.arxiv_id]
        if before is None and not record.title:
            summary.reject("a new paper needs a title", record.arxiv_id)
            continue
        after, differs = merge(before, record)
        current[record.arxiv_id] = after
        if previous[record.arxiv_id] is None and before is None:
            summary.new += 1
        elif differs:
            summary.updated += 1
        else:
            summary.unchanged += 1
        if record.featured is not None:
            featured.append((record.arxiv_id, record))

    new = [s for key, s in current.items() if s is not None and previous[key] is None]
    changed = [
        s
        for key, s in current.items()
        if s is not None and previous[key] is not None and s != previous[key]
    ]
    _write_papers(new, changed)
    written = new + changed
    _write_links(written, previous)
    search.index_papers(
        [
            search.IndexRow(s.id, s.title, s.abstract or "", ", ".join(s.authors or []))
            for s in written
            if s.id is not None and _text_changed(s, previous[s.arxiv_id])
        ]
    )
    if featured:
        _write_featured([(current[key], record) for key, record in featured])  # type: ignore[misc]
    return summary


def _text_changed(state: PaperState, old: PaperState | None) -> bool:
    if old is None:
        return True
    return (state.title, state.abstract, state.authors) != (old.title, old.abstract, old.authors)


ProgressCallback = Callable[[int], None]
Item = PaperRecord | Rejected


def _batches(items: Iterable[Item], size: int) -> Iterator[tuple[list[Item], str]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
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
) -> IngestRun:
    """Import parsed items in batches, recording an :class:`IngestRun`.

    Give either ``items`` (cut into batches of ``batch_size``) or ``pages``: (items, cursor)
    pairs whose cursor, e.g. an OAI resumption token, is saved once that page is committed.
    Each batch commits on its own, so a run killed half-way keeps every finished batch and
    re-running it completes the import (the upsert is idempotent). With ``dry_run`` every batch
    is rolled back, so the counts are real but nothing is stored.
    """
    if (items is None) == (pages is None):
        raise ValueError("give exactly one of items or pages")
    run = IngestRun.objects.create(
        source=source, parameters=parameters or {}, status=IngestRun.Status.RUNNING
    )
    started = time.monotonic()
    summary = IngestSummary()
    batches = pages if pages is not None else _batches(items or (), batch_size)
    try:
        _sqlite_checkpoint_every(pages=20_000)
        for batch, cursor in _prefetched(batches):
            records: list[PaperRecord] = []
            batch_summary = IngestSummary()
            for item in batch:
                if isinstance(item, Rejected):
                    batch_summary.reject(item.reason, item.arxiv_id, item.location)
                else:
                    records.append(item)
            with transaction.atomic():
                batch_summary.add(papers_upsert(records=records))
                if dry_run:
                    transaction.set_rollback(True)
            summary.add(batch_summary)
            IngestRun.objects.filter(pk=run.pk).update(cursor=cursor, **summary.as_dict())
            if progress:
                progress(len(batch))
    except BaseException as exc:
        # BaseException too: Ctrl+C should still leave an honest record of the run.
        logger.error("ingest run %s (%s) failed: %s", run.pk, source, exc)
        _finish(run, summary, started, IngestRun.Status.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        with suppress(DatabaseError):  # never mask the run's own error
            _sqlite_checkpoint_every(pages=1000)
    status = IngestRun.Status.DRY_RUN if dry_run else IngestRun.Status.SUCCEEDED
    _finish(run, summary, started, status, "")
    if not dry_run and (summary.new or summary.updated):
        _enqueue_similar_build()
    return run


def _enqueue_similar_build() -> None:
    """Similar papers and search by meaning catch up with the import (paperfeed.papers.similar)."""
    from django.conf import settings

    if not settings.PAPERFEED_SIMILAR_AFTER_IMPORT:
        return
    from paperfeed.papers.tasks import similar_build_task

    transaction.on_commit(similar_build_task.enqueue)


def _sqlite_checkpoint_every(*, pages: int) -> None:
    """Set how far SQLite's WAL may grow before this connection checkpoints it.

    At the default 1,000 pages, every few import batches pay for a checkpoint that copies the
    same pages a second time. A larger WAL (20,000 pages, ~80 MB) is just as crash-safe; the
    default is restored when the run ends.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


def _finish(
    run: IngestRun, summary: IngestSummary, started: float, status: str, message: str
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


# --- Sources: fetch or read, parse, and import ----------------------------------------------


def _client(*, min_interval: float) -> Any:
    """A polite client; the arXiv fetchers refuse one spaced under 3 s for arxiv.org hosts."""
    from django.conf import settings

    from paperfeed.ingest.fetchers import PoliteClient

    return PoliteClient(
        contact=settings.PAPERFEED_CONTACT_EMAIL,
        min_interval=min_interval,
        max_retries=settings.PAPERFEED_FETCH_RETRIES,
    )


def papers_import_files(
    *,
    paths: Sequence[str],
    fmt: str | None = None,
    categories: set[str] | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Import local files or folders in any supported format (detected unless ``fmt``)."""
    from pathlib import Path

    from paperfeed.ingest.parsers.detect import detect_format, iter_file_records

    resolved = [Path(p) for p in paths]
    formats = [fmt or detect_format(path) for path in resolved]

    def items() -> Iterator[Item]:
        remaining = limit
        for path, path_format in zip(resolved, formats, strict=True):
            for item in iter_file_records(
                path, path_format, categories=categories, limit=remaining
            ):
                if isinstance(item, PaperRecord) and remaining is not None:
                    remaining -= 1
                yield item
            if remaining is not None and remaining <= 0:
                return

    source = formats[0] if len(set(formats)) == 1 else "files"
    return ingest_run(
        source=source,
        items=items(),
        parameters={
            "paths": [str(p) for p in resolved],
            "formats": formats,
            "categories": sorted(categories or []),
            "limit": limit,
        },
        dry_run=dry_run,
        progress=progress,
    )


def papers_import_arxiv(
    *,
    categories: Sequence[str],
    submitted_from: date,
    submitted_until: date,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Query the arXiv API by category and submission date, one request every 3 s."""
    from django.conf import settings

    from paperfeed.ingest.fetchers import ArxivApiFetcher

    def pages() -> Iterator[tuple[list[Item], str]]:
        with _client(min_interval=settings.ARXIV_REQUEST_INTERVAL) as client:
            fetcher = ArxivApiFetcher(client, base_url=settings.ARXIV_API_URL)
            for page in fetcher.iter_pages(
                categories=list(categories),
                submitted_from=submitted_from,
                submitted_until=submitted_until,
            ):
                yield list(page.records), str(page.start_index + len(page.records))

    return ingest_run(
        source="arxiv_api",
        pages=pages(),
        parameters={
            "categories": list(categories),
            "from": submitted_from.isoformat(),
            "until": submitted_until.isoformat(),
        },
        dry_run=dry_run,
        progress=progress,
    )


# Ids per arXiv API request (id_list): one short URL and a small answer each.
FETCH_IDS_BATCH = 100


def papers_fetch_by_ids(
    *,
    arxiv_ids: Sequence[str],
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Fetch specific papers from the arXiv API: a submission not yet catalogued, or papers
    imported without an abstract. ``FETCH_IDS_BATCH`` ids a request, one request every 3 s."""
    from django.conf import settings

    from paperfeed.ingest.fetchers import ArxivApiFetcher

    ids = list(arxiv_ids)

    def pages() -> Iterator[tuple[list[Item], str]]:
        with _client(min_interval=settings.ARXIV_REQUEST_INTERVAL) as client:
            fetcher = ArxivApiFetcher(client, base_url=settings.ARXIV_API_URL)
            for start in range(0, len(ids), FETCH_IDS_BATCH):
                batch = ids[start : start + FETCH_IDS_BATCH]
                yield list(fetcher.fetch_ids(batch).records), batch[-1]

    return ingest_run(
        source="arxiv_api",
        pages=pages(),
        parameters={"ids": ids},
        dry_run=dry_run,
        progress=progress,
    )


def papers_complete(
    *, limit: int, dry_run: bool = False, progress: ProgressCallback | None = None
) -> IngestRun | None:
    """Ask the arXiv API for the papers the catalogue holds without an abstract.

    HF listings and scrapes name papers by id and title only; until arXiv fills them in, their
    pages show no abstract, similar papers have nothing to compare, and search ranks them
    oddly (a short text looks like a close match). The newest ``limit`` such papers are asked
    for (:func:`papers_fetch_by_ids`). Each paper is asked once (``Paper.arxiv_checked_at``),
    so one arXiv does not know is not asked again. None when there is nothing to ask.
    """
    from django.utils import timezone

    from paperfeed.papers.models import Paper

    ids = list(
        Paper.objects.filter(abstract="", arxiv_checked_at__isnull=True, hidden=False)
        .order_by("-published", "-id")
        .values_list("arxiv_id", flat=True)[: max(limit, 0)]
    )
    if not ids:
        return None
    run = papers_fetch_by_ids(arxiv_ids=ids, dry_run=dry_run, progress=progress)
    if not dry_run:
        # Only after the whole run: if a request fails, the papers it did not reach stay due.
        now = timezone.now()
        for chunk in _chunks(ids):
            Paper.objects.filter(arxiv_id__in=chunk).update(arxiv_checked_at=now)
    return run


def papers_harvest_oai(
    *,
    metadata_prefix: str = "arXivRaw",
    set_spec: str | None = None,
    date_from: date | None = None,
    date_until: date | None = None,
    resume: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Harvest OAI-PMH ListRecords, checkpointing the resumption token after each page.

    With ``resume``, the newest unfinished harvest with the same parameters carries on from
    its last committed token instead of starting over.
    """
    from django.conf import settings

    from paperfeed.ingest.fetchers import OaiFetcher

    parameters = {
        "metadata_prefix": metadata_prefix,
        "set": set_spec,
        "from": date_from.isoformat() if date_from else None,
        "until": date_until.isoformat() if date_until else None,
    }
    token = None
    if resume:
        same_harvest = {f"parameters__{key}": value for key, value in parameters.items()}
        unfinished = (
            IngestRun.objects.filter(source="oai_pmh", **same_harvest)
            .exclude(status__in=[IngestRun.Status.SUCCEEDED, IngestRun.Status.DRY_RUN])
            .exclude(cursor="")
            .order_by("-started_at")
            .first()
        )
        token = unfinished.cursor if unfinished else None

    def pages() -> Iterator[tuple[list[Item], str]]:
        with _client(min_interval=settings.ARXIV_REQUEST_INTERVAL) as client:
            fetcher = OaiFetcher(client, base_url=settings.ARXIV_OAI_URL)
            for page in fetcher.iter_pages(
                metadata_prefix=metadata_prefix,  # type: ignore[arg-type]
                set_spec=set_spec,
                date_from=date_from,
                date_until=date_until,
                resumption_token=token,
            ):
                yield list(page.records), page.resumption_token or ""

    return ingest_run(
        source="oai_pmh",
        pages=pages(),
        parameters={**parameters, "resumed_from": token},
        dry_run=dry_run,
        progress=progress,
    )


def papers_import_hf_daily(
    *,
    days: Sequence[date],
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Import the Hugging Face daily papers list of each day: papers, featured day, upvotes."""
    from django.conf import settings

    from paperfeed.ingest.fetchers import HfDailyFetcher

    def pages() -> Iterator[tuple[list[Item], str]]:
        with _client(min_interval=settings.HF_REQUEST_INTERVAL) as client:
            fetcher = HfDailyFetcher(client, base_url=settings.HF_API_URL)
            for day in days:
                yield fetcher.records_for_day(day), day.isoformat()

    return ingest_run(
        source="hf_daily",
        pages=pages(),
        parameters={"days": [day.isoformat() for day in days]},
        dry_run=dry_run,
        progress=progress,
    )
