"""Full-text search over papers: tantivy (:mod:`.textindex`) when built, else FTS5 / tsvector
(else, with ``PAPERFEED_SEARCH_DATABASE_COPY`` off, :mod:`.search_fallback`).

The database's copy is a side table (``papers_fts``) written by :func:`index_papers` in the same
transaction as the upsert. :func:`fts_query` turns user terms into a safe backend expression.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F

from paperfeed.core import bulk
from paperfeed.core.compiled import prepared_cursor
from paperfeed.papers import search_fallback, textindex
from paperfeed.papers.merge import author_key
from paperfeed.papers.models import CatalogueVersion, Paper, PaperAuthor

logger = logging.getLogger(__name__)

FTS_TABLE = "papers_fts"
# Search totals stop counting here (the pager cannot go further); pages show "10,000+".
COUNT_CAP = 10_100

# Words made of letters, digits and a few joiners; everything else is a separator. Quoting each
# word means no user input is ever read as FTS syntax (NEAR, AND, *, ^, column filters ...).
_WORD = re.compile(r"[\w][\w'.+-]*", re.UNICODE)
MAX_TERMS = 32
# Papers known only from a featured list (``Paper.is_stub``: no arXiv record yet, often a title
# alone) rank below complete papers of about equal relevance: their score is scaled by this
# factor. bm25 would otherwise favour them, as a title alone is a short document.
STUB_RANK_FACTOR = 0.8


@dataclass(frozen=True, slots=True)
class IndexRow:
    paper_id: int
    title: str
    abstract: str
    authors: str


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


SQLITE_SCHEMA = [
    # Contentful FTS5 so highlight()/snippet() can work without a join back to papers.
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        title, abstract, authors, tokenize = 'unicode61 remove_diacritics 2'
    )""",
]
POSTGRES_SCHEMA = [
    f"""CREATE TABLE IF NOT EXISTS {FTS_TABLE} (
        paper_id bigint PRIMARY KEY,
        document tsvector NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS {FTS_TABLE}_document ON {FTS_TABLE} USING GIN (document)",
]


def create_schema(schema_editor) -> None:
    statements = (
        POSTGRES_SCHEMA if schema_editor.connection.vendor == "postgresql" else SQLITE_SCHEMA
    )
    for statement in statements:
        schema_editor.execute(statement)


def clear_if_catalogue_empty(**kwargs) -> None:
    """Empty the index when there are no papers (e.g. after `flush`).

    The index is a side table no model owns, so Django's flush (used between transactional
    tests, and by operators) does not empty it. There is deliberately no foreign key to
    papers_paper: PostgreSQL's TRUNCATE, which flush uses, refuses tables referenced by one.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM papers_paper)")
        if not cursor.fetchone()[0]:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")


def drop_schema(schema_editor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def database_copy_on() -> bool:
    """Whether imports write the database's full-text copy, and searches without an index read
    it. ``PAPERFEED_SEARCH_DATABASE_COPY`` on or off as set; left at "auto", only where the copy
    is what answers: the database engine, or an index no worker updates after imports. Where
    the worker keeps the tantivy index current nothing reads the copy, and writing it was 38-49 %
    of an import's wall time (docs/architecture.md, "The database's full-text copy")."""
    chosen = settings.PAPERFEED_SEARCH_DATABASE_COPY
    if chosen is not None:
        return bool(chosen)
    return (
        settings.PAPERFEED_SEARCH_ENGINE != "tantivy"
        or not settings.PAPERFEED_SEARCH_INDEX_AFTER_IMPORT
    )


def index_papers(rows: Sequence[IndexRow], *, force: bool = False) -> None:
    """Insert or replace the index entries of these papers (unless the copy is off and not
    ``force``: then only the catalogue version moves)."""
    if not rows:
        return
    catalogue_changed()
    if not (force or database_copy_on()):
        return
    with connection.cursor() as cursor:
        if is_postgres():
            # The batch goes in by COPY (see paperfeed.core.bulk), then one statement. Author
            # names go in twice: unstemmed ('simple') for author: filters, and stemmed
            # ('english') so that plain queries, which are stemmed, match them too.
            with bulk.staged(
                cursor,
                columns=("id", "title", "authors", "abstract"),
                pg_types=("bigint", "text", "text", "text"),
                rows=[(row.paper_id, row.title, row.authors, row.abstract) for row in rows],
            ) as stage:
                cursor.execute(
                    f"""INSERT INTO {FTS_TABLE} (paper_id, document)
                        SELECT id, setweight(to_tsvector('english', title), 'A') ||
                            setweight(to_tsvector('simple', authors), 'B') ||
                            setweight(to_tsvector('english', authors), 'B') ||
                            setweight(to_tsvector('english', abstract), 'C')
                        FROM {stage}
                        ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document"""
                )
        else:
            ids = [row.paper_id for row in rows]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cursor.execute(
                    f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({','.join('%s' for _ in chunk)})",
                    chunk,
                )
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, title, abstract, authors) "
                "VALUES (%s, %s, %s, %s)",
                [(row.paper_id, row.title, row.abstract, row.authors) for row in rows],
            )


def catalogue_changed() -> None:
    """Mark every cached search result stale. Call inside the transaction of each write that can
    change what a search returns, so the new number and the new rows commit together."""

    if not CatalogueVersion.objects.filter(pk=1).update(value=F("value") + 1):
        CatalogueVersion.objects.update_or_create(pk=1, defaults={"value": 1})


def catalogue_version() -> int:
    """The number :func:`catalogue_changed` last wrote (0 before any write)."""

    value = CatalogueVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    return value or 0


def terms_of(text: str) -> list[str]:
    """The searchable words of ``text``, at most MAX_TERMS of them."""
    return _WORD.findall(text)[:MAX_TERMS]


def fts_query(terms: Sequence[str], *, phrases: Sequence[Sequence[str]] = ()) -> str:
    """A safe backend expression that requires every term and phrase."""
    if is_postgres():
        parts = [_pg_quote(term) for term in terms]
        parts += [" <-> ".join(_pg_quote(word) for word in phrase) for phrase in phrases if phrase]
        return " & ".join(f"({part})" for part in parts)
    parts = [_fts5_quote(term) for term in terms]
    parts += [
        '"' + " ".join(w.replace('"', '""') for w in phrase) + '"' for phrase in phrases if phrase
    ]
    return " AND ".join(parts)


def _fts5_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _pg_quote(term: str) -> str:
    # to_tsquery lexeme literal: quoted, with backslash and quote escaped.
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def authors_text(names: Sequence[str]) -> str:
    """The indexed author text: the paper's own spellings, then the accent-folded form of each
    name that has one, so ``author:roziere`` and ``author:rozière`` find every spelling of one
    person on PostgreSQL too (SQLite's FTS5 folds accents itself)."""
    folded = [
        key
        for name in names
        if not name.isascii() and (key := author_key(name)) != " ".join(name.lower().split())
    ]
    return ", ".join([*names, *dict.fromkeys(folded)])


def stored_authors_texts(paper_ids: Sequence[int]) -> dict[int, str]:
    """:func:`authors_text` of each paper's stored authors in one query (for both indexes)."""
    names: dict[int, list[str]] = {pk: [] for pk in paper_ids}
    for paper_id, name in (
        PaperAuthor.objects.filter(paper_id__in=paper_ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "name")
    ):
        names[paper_id].append(name)
    return {pk: authors_text(found) for pk, found in names.items()}


def reindex_papers(*, paper_ids: Iterable[int], force: bool = False) -> None:
    """Rebuild the index entries of these papers from what is stored (after a manual edit)."""
    ids = list(paper_ids)
    authors = stored_authors_texts(ids)
    index_papers(
        [
            IndexRow(pk, title, abstract, authors[pk])
            for pk, title, abstract in Paper.objects.filter(pk__in=ids).values_list(
                "pk", "title", "abstract"
            )
        ],
        force=force,
    )


def _sqlite_author_part(words: Sequence[str]) -> str:
    return "authors : (" + " AND ".join(_fts5_quote(word) for word in words) + ")"


def search_filtered(
    *,
    terms: Sequence[str] = (),
    phrases: Sequence[Sequence[str]] = (),
    author_terms: Sequence[Sequence[str]] = (),
    categories: Sequence[str] = (),
    years: tuple[int, int] | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    among: Sequence[int] | None = None,
) -> tuple[list[int], int]:
    """Ids of visible papers matching every term, phrase and author word, within the categories
    (any of them) and years given (and among the ids given, when ``among`` is not None); best
    first (``sort="relevance"``) or newest first (``sort="date"``); and the total number of
    matches.

    Every word is quoted for the engine, so no input is ever read as FTS syntax. With no words
    at all (only ``cat:``/``year:`` filters) it lists the matching papers newest first.
    """
    index = textindex.engine_index()
    if index is not None:
        try:
            ids, total = textindex.search(
                index,
                terms=terms,
                phrases=phrases,
                author_terms=author_terms,
                categories=categories,
                years=years,
                hidden=hidden_ids(),
                among=among,
                by_date=sort == "date",
                limit=limit,
                offset=offset,
                count_cap=COUNT_CAP,
            )
            return ids, min(total, COUNT_CAP)
        except ValueError as exc:
            logger.warning("search index could not run %r: %s", terms, exc)
    if not database_copy_on():
        return search_fallback.scan(
            terms=terms,
            phrases=phrases,
            author_terms=author_terms,
            categories=categories,
            years=years,
            among=among,
            limit=limit,
            offset=offset,
            cap=COUNT_CAP,
        )
    where: list[str] = ["p.hidden = %s"]
    params: list[Any] = [False]
    if years is not None:
        ops = connection.ops
        where.append("p.published >= %s AND p.published < %s")
        params += [
            ops.adapt_datetimefield_value(datetime(years[0], 1, 1, tzinfo=UTC)),
            ops.adapt_datetimefield_value(datetime(years[1] + 1, 1, 1, tzinfo=UTC)),
        ]
    if categories:
        marks = ",".join("%s" for _ in categories)
        where.append(
            "EXISTS (SELECT 1 FROM papers_papercategory c "
            f"WHERE c.paper_id = p.id AND c.category IN ({marks}))"
        )
        params += list(categories)
    if among is not None:
        where.append(f"p.id IN ({','.join('%s' for _ in among) or 'NULL'})")
        params += list(among)
    condition = " AND ".join(where)
    has_text = bool(terms or phrases or any(author_terms))
    by_date = sort == "date" or not has_text
    order_date = "p.published DESC, p.id DESC"
    id_column = "p.id"
    with connection.cursor() as cursor:
        if not has_text:
            source, source_params = "papers_paper p", list[Any]()
            order = order_date
        elif is_postgres():
            text_parts = []
            source_params = []
            if terms or phrases:
                text_parts.append("to_tsquery('english', %s)")
                source_params.append(fts_query(terms, phrases=phrases))
            for words in author_terms:
                if words:
                    # Author names are indexed with the 'simple' configuration, weight B.
                    text_parts.append("to_tsquery('simple', %s)")
                    source_params.append(" & ".join(f"{_pg_quote(author_key(w))}:B" for w in words))
            source = (
                f"{FTS_TABLE} f JOIN papers_paper p ON p.id = f.paper_id "
                f"JOIN (SELECT {' && '.join(text_parts)} AS query) q ON f.document @@ q.query"
            )
            order = (
                order_date
                if by_date
                else f"ts_rank_cd(f.document, q.query) * {_stub_factor(_is_stub('p.'))} DESC, "
                "p.id DESC"
            )
        else:
            parts = []
            if terms or phrases:
                parts.append(fts_query(terms, phrases=phrases))
            parts += [_sqlite_author_part(words) for words in author_terms if words]
            source = f"{FTS_TABLE} JOIN papers_paper p ON p.id = {FTS_TABLE}.rowid"
            condition = f"{FTS_TABLE} MATCH %s AND {condition}"
            source_params = [" AND ".join(parts)]
            # bm25() is negative, lower is better: scaling a stub's towards 0 ranks it lower.
            bm25 = f"bm25({FTS_TABLE}, 10.0, 1.0, 3.0)"
            order = order_date if by_date else f"{bm25} * {_stub_factor(_is_stub('p.'))}, p.id DESC"
            if not by_date and years is None and not categories and among is None:
                # Ranked with no filter on paper columns: stay inside the FTS table, and leave
                # out the (few, partially indexed) hidden papers with one NOT IN, instead of
                # joining every match to papers_paper. Half the cost of a broad query.
                source = FTS_TABLE
                condition = (
                    f"{FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid NOT IN "
                    "(SELECT id FROM papers_paper WHERE hidden)"
                )
                params = []
                stub = f"{FTS_TABLE}.rowid IN (SELECT id FROM papers_paper WHERE {_is_stub('')})"
                order = f"{bm25} * {_stub_factor(stub)}, {FTS_TABLE}.rowid DESC"
                id_column = f"{FTS_TABLE}.rowid"
        # Two queries: FTS5's bm25() cannot sit beside a window function such as count(*) OVER.
        page_sql = f"SELECT {id_column} FROM {source} WHERE {condition} ORDER BY {order}"
        cursor.execute(
            page_sql + " LIMIT %s OFFSET %s",
            [*source_params, *params, limit, offset],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids and offset == 0:
            return ids, 0
        # Past the last reachable page the exact total is not worth ranking every match for.
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {condition} LIMIT %s) AS hits",
            [*source_params, *params, COUNT_CAP],
        )
        return ids, cursor.fetchone()[0]


def hidden_ids() -> list[int]:
    """The hidden papers (few). Literal SQL: a bound ``hidden = %s`` would keep SQLite from
    using the partial index that holds them, and scan every paper. Every search asks it: on
    PostgreSQL a prepared statement (core.compiled.prepared_cursor), parsed and planned once
    per connection."""
    with prepared_cursor(connections[DEFAULT_DB_ALIAS]) as cursor:
        cursor.execute("SELECT id FROM papers_paper WHERE hidden")
        return [row[0] for row in cursor.fetchall()]


def _is_stub(prefix: str) -> str:
    """``Paper.is_stub`` in SQL (the partial index ``paper_stub`` holds these rows)."""
    return f"{prefix}published_is_estimate AND {prefix}listed_on IS NULL"


def _stub_factor(is_stub: str) -> str:
    """SQL for the factor a paper's relevance score is scaled by: STUB_RANK_FACTOR for stubs."""
    return f"(CASE WHEN {is_stub} THEN {STUB_RANK_FACTOR} ELSE 1.0 END)"
