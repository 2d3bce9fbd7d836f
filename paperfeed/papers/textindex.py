"""The search engine: an embedded tantivy index derived from the database.

The database stays the source of truth (``papers_fts`` is still written with every import and
answers whenever this index is absent, belongs to another database, or cannot read a query).
Layout, like the similar-papers index: one directory per build under
``<PAPERFEED_SEARCH_INDEX_DIR>`` and a ``CURRENT`` file naming the live one. A full rebuild is
written beside the live build and made live by replacing ``CURRENT``; an update commits into
the live build, and tantivy's commits are atomic. Every web process opens the same files
(memory-mapped) and reloads when a commit or a rebuild has replaced what it holds, so all
processes on a host answer alike.

Why: BM25 with the top-k collector of an inverted index visits only the best candidates, where
FTS5 and ``ts_rank_cd`` rank every match; see docs/architecture.md for the measurement.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import tantivy
from django.conf import settings

from paperfeed.core.backup import database_label
from paperfeed.papers import textindex_query, textindex_recent

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
# Bump when the schema or the analysis changes: builds of a format not in READABLE are then
# ignored until rebuilt, and an update never writes into a build of another format (it
# rebuilds: see textindex_build). Format 2 dropped format 1's unstemmed ``words`` field ("did
# you mean" reads the stemmed title and abstract); format 3 stores no document (ids are read
# from the fast field) and keeps no frequencies or positions for categories (only filtered
# on). Queries read nothing the older builds lack, so they still answer alike until rebuilt.
FORMAT = 3
READABLE = (1, 2, 3)
STATE = "paperfeed.json"
# Papers known only from a featured list rank below complete ones of equal relevance. tantivy
# multiplies a hit's score by log2(2 + weight): complete papers get this weight (x1.25) and
# stubs 0 (x1.0), the 0.8 ratio of search.STUB_RANK_FACTOR.
COMPLETE_WEIGHT = 2**1.25 - 2
WRITER_HEAP = 256_000_000


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    # Indexed for deletes and the second pass's id terms, fast for reading ids of hits; not
    # stored: nothing loads a stored document.
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("abstract", tokenizer_name="en_stem")
    builder.add_text_field("authors", tokenizer_name="en_stem")
    # Unstemmed: author: filters.
    builder.add_text_field("author_names", tokenizer_name="default")
    # Only filtered on (term sets, never scored or in a phrase): document ids alone.
    builder.add_text_field("categories", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("published", indexed=True, fast=True)
    builder.add_float_field("weight", fast=True)
    return builder.build()


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper as the index holds it."""

    paper_id: int
    title: str
    abstract: str
    authors: str
    categories: Sequence[str]
    published: int  # Unix seconds
    is_stub: bool

    def document(self) -> tantivy.Document:
        return tantivy.Document(
            id=self.paper_id,
            title=self.title,
            abstract=self.abstract,
            authors=self.authors,
            author_names=self.authors,
            categories=list(self.categories),
            published=self.published,
            weight=0.0 if self.is_stub else COMPLETE_WEIGHT,
        )


def index_dir() -> Path:
    return Path(_index_path(settings.PAPERFEED_SEARCH_INDEX_DIR, settings.DATA_DIR))


@lru_cache(maxsize=8)
def _index_path(configured: str | Path | None, data_dir: str | Path) -> str:
    # Once per setting: every search looks the live build up, and two Paths cost more than
    # the two stats that look-up now makes.
    return str(Path(configured) if configured else Path(data_dir) / "search")


def current_root(base: Path) -> Path | None:
    try:
        name = (base / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    return base / name if name else None


def read_state(root: Path) -> dict:
    try:
        return json.loads((root / STATE).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def write_state(root: Path, state: dict) -> None:
    temporary = root / f".{STATE}.{os.getpid()}"
    temporary.write_text(json.dumps({**state, "format": FORMAT}, indent=1))
    os.replace(temporary, root / STATE)


# --- Writing ----------------------------------------------------------------------------------


def new_build(base: Path) -> tuple[Path, tantivy.Index]:
    """An empty index in a fresh directory beside the live one (not live yet)."""
    base.mkdir(parents=True, exist_ok=True)
    name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    root = base / name
    root.mkdir()
    return root, tantivy.Index(schema(), path=str(root), reuse=False)


def make_live(base: Path, root: Path) -> None:
    """Point ``CURRENT`` at ``root`` atomically and remove the builds before it. Readers that
    still map an older build keep their open files (POSIX); new readers see only this one."""
    pointer = base / f".{CURRENT}.{os.getpid()}"
    pointer.write_text(root.name)
    os.replace(pointer, base / CURRENT)
    for old in base.iterdir():
        if old.is_dir() and old != root:
            shutil.rmtree(old, ignore_errors=True)


def write_entries(
    index: tantivy.Index,
    entries: Iterable[Entry],
    *,
    replace: bool,
    threads: int = 2,
    heap: int = WRITER_HEAP,
) -> int:
    """Add ``entries`` (replacing the stored ones of the same papers when ``replace``) in one
    commit; returns how many were written. (Feeding the writer from a thread of its own, so
    reading rows overlapped with it, was measured slower: 14-18 -> 20 s wall at 76 k.)"""
    writer = index.writer(heap, threads)
    count = 0
    try:
        for entry in entries:
            if replace:
                writer.delete_documents_by_term("id", entry.paper_id)
            writer.add_document(entry.document())
            count += 1
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        # Dropped here, not when the traceback that holds this frame goes: until then it
        # keeps the directory's lock and no later write could start.
        del writer
        raise
    return count


# --- Reading ----------------------------------------------------------------------------------

_lock = threading.Lock()
_held: dict[str, object] = {}


def live_index(*, database: str | Callable[[], str]) -> tantivy.Index | None:
    """The live build (opened once per process, reloaded after each commit), or None when there
    is none, it has an older format, or it was built from another database (``database``: its
    label, or what gives it, asked only when a build is opened)."""
    base = _index_path(settings.PAPERFEED_SEARCH_INDEX_DIR, settings.DATA_DIR)
    try:
        found = os.stat(os.path.join(base, CURRENT))
    except FileNotFoundError:
        return None
    # CURRENT is only ever replaced whole (make_live): a new build is a new file. Its name is
    # read again only then, not on every search (a file read: ~0.1 ms of a ~6 ms search).
    pointer = (base, found.st_dev, found.st_ino, found.st_mtime_ns, found.st_size)
    with _lock:
        root = _held.get("root") if _held.get("pointer") == pointer else None
    if not isinstance(root, Path):
        root = current_root(Path(base))
        if root is None:
            return None
    try:
        stamp = os.stat(os.path.join(root, "meta.json")).st_mtime_ns
    except FileNotFoundError:
        return None
    with _lock:
        index = _held.get("index")
        if _held.get("root") == root and isinstance(index, tantivy.Index):
            _held["pointer"] = pointer
            if _held.get("stamp") != stamp:
                index.reload()
                _held["stamp"] = stamp
            return index
        state = read_state(root)
        index = None
        label = database() if callable(database) else database
        if state.get("format") in READABLE and state.get("database") == label:
            try:
                index = tantivy.Index.open(str(root))
            except (OSError, ValueError) as exc:
                logger.warning("search index at %s unreadable: %s", root, exc)
        _held.update(root=root, pointer=pointer, stamp=stamp, index=index)
        return index


def engine_index() -> tantivy.Index | None:
    """The live build when tantivy is the configured engine and it was built from this
    database, else None (the database's full-text index answers)."""
    if settings.PAPERFEED_SEARCH_ENGINE != "tantivy":
        return None
    return live_index(database=database_label)


def search(
    index: tantivy.Index,
    *,
    terms: Sequence[str] = (),
    phrases: Sequence[Sequence[str]] = (),
    author_terms: Sequence[Sequence[str]] = (),
    categories: Sequence[str] = (),
    years: tuple[int, int] | None = None,
    hidden: Sequence[int] = (),
    among: Sequence[int] | None = None,
    by_date: bool = False,
    limit: int = 20,
    offset: int = 0,
    count: bool = True,
    count_cap: int | None = None,
) -> tuple[list[int], int]:
    """Paper ids of one page, best first (or newest first), and the number of matches (0
    unless ``count``; exact below ``count_cap``, see :mod:`.textindex_query`). Raises
    ValueError when tantivy cannot read the query (callers fall back to the database)."""
    filters: list[tuple[tantivy.Occur, tantivy.Query]] = []
    fields = index.schema
    if categories:
        filters.append(
            (tantivy.Occur.Must, tantivy.Query.term_set_query(fields, "categories", categories))
        )
    if years is not None:
        first = int(datetime(years[0], 1, 1, tzinfo=UTC).timestamp())
        last = int(datetime(years[1] + 1, 1, 1, tzinfo=UTC).timestamp())
        filters.append(
            (
                tantivy.Occur.Must,
                textindex_query.published_within(fields, first, last, last_included=False),
            )
        )
    if among is not None:
        filters.append((tantivy.Occur.Must, tantivy.Query.term_set_query(fields, "id", among)))
    if hidden:
        filters.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(fields, "id", hidden)))
    has_text = bool(terms or phrases or any(author_terms))
    text = (
        textindex_query.text_query(index, terms=terms, phrases=phrases, author_terms=author_terms)
        if has_text
        else tantivy.Query.all_query()
    )
    query = tantivy.Query.boolean_query([(tantivy.Occur.Must, text), *filters])
    searcher = index.searcher()
    words = [*terms, *(word for phrase in phrases for word in phrase)]
    broad = (
        None
        if by_date or not has_text
        else textindex_recent.broad_phrases(
            index,
            searcher,
            query,
            phrases=phrases,
            words=words,
            depth=offset + limit,
            count_cap=count_cap,
        )
    )
    if broad is not None:
        hits = textindex_query.second_pass(index, searcher, broad[0], terms)
        total = broad[1] if count else 0
    elif by_date or not has_text:
        hits, total = textindex_recent.newest(
            index,
            searcher,
            query,
            depth=offset + limit,
            count=count,
            count_cap=count_cap,
            words=words,
        )
    else:
        in_title = textindex_query.title_query(
            index, terms=terms, phrases=phrases, author_terms=author_terms
        )
        musts = sum(1 for occur, _ in filters if occur == tantivy.Occur.Must)
        # One filter at most: tantivy adds an intersection's scores in an order of its own
        # (see title_led_query), and with two terms or clauses the sum is the same either way.
        title_led = (
            textindex_query.title_led_query(index, terms=terms, author_terms=author_terms)
            if in_title is not None and musts <= 1
            else None
        )
        hits, total = textindex_query.best(
            index,
            searcher,
            query,
            in_title=(
                None
                if in_title is None
                else tantivy.Query.boolean_query([(tantivy.Occur.Must, in_title), *filters])
            ),
            title_led=(
                None
                if title_led is None
                else tantivy.Query.boolean_query([(tantivy.Occur.Must, title_led), *filters])
            ),
            depth=offset + limit,
            count=count,
            count_cap=count_cap,
            terms=terms,
            words=words,
        )
    addresses = [address for _, address in hits[offset : offset + limit]]
    ids = searcher.fast_field_values("id", addresses) if addresses else []
    return [int(pk) for pk in ids if pk is not None], int(total)
