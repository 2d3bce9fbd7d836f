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
import math
import os
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tantivy
from django.conf import settings

from paperfeed.core.backup import database_label
from paperfeed.papers.merge import author_key

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
# Bump when the schema or the analysis changes: older builds are then ignored until rebuilt.
FORMAT = 1
STATE = "paperfeed.json"
# Field boosts: a word in the title says more about a paper than the same word in its abstract.
BOOSTS = {"title": 3.0, "abstract": 1.0, "authors": 1.0}
# Query words found close together, in the order typed, add to the score (phrase proximity).
PROXIMITY_SLOP = {"title": 3, "abstract": 6}
PROXIMITY_BOOST = 1.5
# Proximity is a second pass over the best RERANK_DEPTH hits by BM25 alone. tantivy (through
# its Python binding) scores every match of a query, and optional phrase clauses made it read
# the positions of every match too: 2.5-3x the time of a broad query at 1 M papers.
RERANK_DEPTH = 200
# Papers known only from a featured list rank below complete ones of equal relevance. tantivy
# multiplies a hit's score by log2(2 + weight): complete papers get this weight (x1.25) and
# stubs 0 (x1.0), the 0.8 ratio of search.STUB_RANK_FACTOR.
COMPLETE_WEIGHT = 2**1.25 - 2
WRITER_HEAP = 256_000_000


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("abstract", tokenizer_name="en_stem")
    builder.add_text_field("authors", tokenizer_name="en_stem")
    # Unstemmed: author: filters, and the words "did you mean" may suggest.
    builder.add_text_field("author_names", tokenizer_name="default")
    builder.add_text_field("words", tokenizer_name="default", index_option="basic")
    builder.add_text_field("categories", tokenizer_name="raw")
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
            words=f"{self.title}\n{self.abstract}",
            categories=list(self.categories),
            published=self.published,
            weight=0.0 if self.is_stub else COMPLETE_WEIGHT,
        )


def index_dir() -> Path:
    return Path(settings.PAPERFEED_SEARCH_INDEX_DIR or Path(settings.DATA_DIR) / "search")


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
    index: tantivy.Index, entries: Iterable[Entry], *, replace: bool, threads: int = 2
) -> int:
    """Add ``entries`` (replacing the stored ones of the same papers when ``replace``) in one
    commit; returns how many were written."""
    writer = index.writer(WRITER_HEAP, threads)
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
        raise
    return count


# --- Reading ----------------------------------------------------------------------------------

_lock = threading.Lock()
_held: dict[str, object] = {}


def live_index(*, database: str) -> tantivy.Index | None:
    """The live build (opened once per process, reloaded after each commit), or None when there
    is none, it has an older format, or it was built from another database."""
    base = index_dir()
    root = current_root(base)
    if root is None:
        return None
    try:
        stamp = (root / "meta.json").stat().st_mtime_ns
    except FileNotFoundError:
        return None
    with _lock:
        index = _held.get("index")
        if _held.get("root") == root and isinstance(index, tantivy.Index):
            if _held.get("stamp") != stamp:
                index.reload()
                _held["stamp"] = stamp
            return index
        state = read_state(root)
        index = None
        if state.get("format") == FORMAT and state.get("database") == database:
            try:
                index = tantivy.Index.open(str(root))
            except (OSError, ValueError) as exc:
                logger.warning("search index at %s unreadable: %s", root, exc)
        _held.update(root=root, stamp=stamp, index=index)
        return index


def engine_index() -> tantivy.Index | None:
    """The live build when tantivy is the configured engine and it was built from this
    database, else None (the database's full-text index answers)."""
    if settings.PAPERFEED_SEARCH_ENGINE != "tantivy":
        return None
    return live_index(database=database_label())


def _quoted(word: str) -> str:
    # The query parser reads a double-quoted string as one term or phrase of that field's
    # analysis; words (paperfeed.papers.querysyntax.WORD) hold no quote or backslash.
    return '"' + word.replace("\\", " ").replace('"', " ") + '"'


def text_query(
    index: tantivy.Index,
    *,
    terms: Sequence[str],
    phrases: Sequence[Sequence[str]],
    author_terms: Sequence[Sequence[str]],
) -> tantivy.Query:
    """Every term and phrase in the title, abstract or authors, every author word in the author
    names (scored by BM25; proximity is :func:`proximity_queries`)."""
    parts = [f"+{_quoted(term)}" for term in terms]
    parts += [f"+{_quoted(' '.join(phrase))}" for phrase in phrases if phrase]
    parts += [
        f"+author_names:{_quoted(author_key(word))}" for words in author_terms for word in words
    ]
    return index.parse_query(" ".join(parts), list(BOOSTS), BOOSTS)


def proximity_queries(index: tantivy.Index, terms: Sequence[str]) -> list[tantivy.Query]:
    """One sloppy phrase per field: the terms close together, in the order typed, in the title
    or the abstract (none for fewer than two terms)."""
    if len(terms) < 2:
        return []
    together = _quoted(" ".join(terms))
    return [
        index.parse_query(f"{field}:{together}~{slop}^{PROXIMITY_BOOST}", list(BOOSTS), BOOSTS)
        for field, slop in PROXIMITY_SLOP.items()
    ]


def _second_pass(
    index: tantivy.Index,
    searcher: tantivy.Searcher,
    hits: list[tuple[float, tantivy.DocAddress]],
    terms: Sequence[str],
) -> list[tuple[float, tantivy.DocAddress]]:
    """The first pass's best ``hits`` (BM25 alone) re-scored as one query with optional phrase
    clauses and ``weight_by_field`` would score them (tantivy adds the scores of a boolean
    query's clauses, then multiplies by log2(2 + weight)), best first. Each proximity phrase is
    searched among these papers alone, so only their positions are read; the weight is read
    for them alone too (scaling every match by it was a fifth of a broad query's time)."""
    if not hits:
        return hits  # (and tantivy panics on a search for no hits)
    addresses = [address for _, address in hits]
    extra: dict[tuple[int, int], float] = {}
    phrases = proximity_queries(index, terms)
    if phrases:
        fields = index.schema
        # A plain union of single-id terms: tantivy's term-set query on an integer field cost
        # 5x more to build and seek for a few hundred ids.
        among = tantivy.Query.const_score_query(
            tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, tantivy.Query.term_query(fields, "id", int(pk)))
                    for pk in searcher.fast_field_values("id", addresses)
                    if pk is not None
                ]
            ),
            0.0,
        )
        for phrase in phrases:
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, among), (tantivy.Occur.Must, phrase)]
            )
            for score, address in searcher.search(query, len(hits), count=False).hits:
                key = (address.segment_ord, address.doc)
                extra[key] = extra.get(key, 0.0) + float(score)
    weights = searcher.fast_field_values("weight", addresses)
    rescored = [
        (
            math.log2(2.0 + max(0.0, float(weight or 0.0)))
            * (float(score) + extra.get((address.segment_ord, address.doc), 0.0)),
            address,
        )
        for (score, address), weight in zip(hits, weights, strict=True)
    ]
    # Stable: equal scores keep the first pass's order.
    rescored.sort(key=lambda hit: -hit[0])
    return rescored


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
) -> tuple[list[int], int]:
    """Paper ids of one page, best first (or newest first), and the number of matches (0
    unless ``count``). Raises ValueError when tantivy cannot read the query (callers fall back
    to the database)."""
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    has_text = bool(terms or phrases or any(author_terms))
    if has_text:
        clauses.append(
            (
                tantivy.Occur.Must,
                text_query(index, terms=terms, phrases=phrases, author_terms=author_terms),
            )
        )
    else:
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    fields = index.schema
    if categories:
        clauses.append(
            (tantivy.Occur.Must, tantivy.Query.term_set_query(fields, "categories", categories))
        )
    if years is not None:
        first = int(datetime(years[0], 1, 1, tzinfo=UTC).timestamp())
        last = int(datetime(years[1] + 1, 1, 1, tzinfo=UTC).timestamp())
        clauses.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.range_query(
                    fields, "published", tantivy.FieldType.Integer, first, last, True, False
                ),
            )
        )
    if among is not None:
        clauses.append((tantivy.Occur.Must, tantivy.Query.term_set_query(fields, "id", among)))
    if hidden:
        clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(fields, "id", hidden)))
    query = tantivy.Query.boolean_query(clauses)
    searcher = index.searcher()
    if by_date or not has_text:
        found = searcher.search(
            query, limit, count=count, order_by_field="published", offset=offset
        )
        addresses = [address for _, address in found.hits]
    else:
        # The page and the hits above it; the best RERANK_DEPTH get the second pass, so pages
        # past it keep the first pass's order and no paper shows on two pages.
        found = searcher.search(query, max(offset + limit, RERANK_DEPTH), count=count)
        hits = found.hits
        hits = _second_pass(index, searcher, hits[:RERANK_DEPTH], terms) + hits[RERANK_DEPTH:]
        addresses = [address for _, address in hits[offset : offset + limit]]
    ids = searcher.fast_field_values("id", addresses) if addresses else []
    # ``count`` is set when searched with count=True; the type stubs leave it out.
    total = getattr(found, "count", None) or 0
    return [int(pk) for pk in ids if pk is not None], int(total)


def word_frequencies(index: tantivy.Index, words: Iterable[str]) -> dict[str, int]:
    """How many papers hold each word in their title or abstract (unstemmed); absent ones left
    out."""
    searcher = index.searcher()
    found = {word: searcher.doc_freq("words", word) for word in words}
    return {word: count for word, count in found.items() if count}
