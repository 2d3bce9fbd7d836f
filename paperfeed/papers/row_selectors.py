"""Papers made into :class:`~paperfeed.papers.rows.PaperRow` s, with everything a card needs
loaded in a fixed number of queries (authors, categories, the source's upvote count, the first
featured day, the thumbnail and the glance). Every list selector (papers/selectors.py, search,
similar papers, the library, recommendations) builds its rows here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col

from paperfeed.core.compiled import instance_from_row, prepared_cursor
from paperfeed.core.relations import one_to_one_of
from paperfeed.papers.glance.models import PaperGlance
from paperfeed.papers.glance.selectors import NO_GLANCE, glances_for
from paperfeed.papers.models import Featured, Paper, PaperAuthor, PaperCategory, Thumbnail
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.thumbnails import thumbnail_path, thumbnail_url


def _thumbnails(papers: list[Paper]) -> dict[int, Thumbnail]:
    """The rendered thumbnails of ``papers`` whose file is there."""
    found: dict[int, Thumbnail] = one_to_one_of(papers, Paper.thumbnail)
    arxiv_ids = {paper.pk: paper.arxiv_id for paper in papers}
    # A file lost since (a restored backup, a web host without the workers' storage) shows the
    # placeholder, never a broken image: a stat per card, microseconds, no query.
    return {
        pk: t
        for pk, t in found.items()
        if t.state == Thumbnail.State.DONE and thumbnail_path(arxiv_ids[pk]).is_file()
    }


# Papers per query in _card_facts: each is bound once per part, up to four parts (8,000
# values: SQLite binds up to 32,766).
CHUNK = 2000


@dataclass
class _CardFacts:
    """What a card shows beside the paper's own row, by paper id: author names and ids and
    categories in the paper's order, (featured) the source's upvote count and first day, and
    the verified authors' names (None: not read, no SQL registered)."""

    names: dict[int, list[str]]
    author_ids: dict[int, list[int]]
    categories: dict[int, list[str]]
    featured: dict[int, dict[str, Any]]
    verified: dict[int, set[str]] | None = None


# The SQL of (paper id, name) for each author of the papers ``{papers}`` whose claim a curator
# approved: community's (above this app), registered from its ready(). Read in the rows' own
# statement, the card facts' on SQLite and the papers' on PostgreSQL: every list of cards asked
# it as a statement of its own, one more round trip on PostgreSQL (S71).
_verified_sql: list[str] = []


def verified_sql_register(sql: str) -> None:
    """The verified authors' SQL (``{papers}`` where ``IN (ids)`` or ``= <paper id>`` goes)."""
    _verified_sql[:] = [sql]
    _paper_select.cache_clear()


def _verified_names(papers: str) -> str | None:
    """The registered verified authors' SQL with ``papers`` (``IN (…)`` or ``= <paper id>``) in
    its place; None when no app registered it."""
    return _verified_sql[0].replace("{papers}", papers) if _verified_sql else None


def _card_facts(ids: list[int], *, featured: bool) -> _CardFacts:
    """The authors (names and ids), categories and, with ``featured``, the source's upvote count
    and first listed day of the papers ``ids``, in ONE query: a ``UNION ALL`` of the three
    reads. Raw SQL because this runs for every list page and the ORM spent more CPU building
    and reading its three queries (~1 ms) than the database spent answering them."""
    # Table names are the models' own constants; the ids are bound parameters.
    marks = "{ids}"  # one placeholder per id of each chunk, below
    authors, categories = PaperAuthor._meta.db_table, PaperCategory._meta.db_table
    parts = [
        f"SELECT 0, paper_id, position, name, author_id FROM {authors} "  # noqa: S608
        f"WHERE paper_id IN ({marks})",
        f"SELECT 1, paper_id, position, category, NULL FROM {categories} "  # noqa: S608
        f"WHERE paper_id IN ({marks})",
    ]
    if featured:
        # The source's count is the highest it ever reported, hidden entries included: one
        # number per paper, whichever list shows it. The first listed day skips hidden ones.
        parts.append(
            "SELECT 2, paper_id, MAX(upvotes), "  # noqa: S608
            "CAST(MIN(CASE WHEN NOT hidden THEN day END) AS TEXT), NULL "
            f"FROM {Featured._meta.db_table} WHERE paper_id IN ({marks}) GROUP BY paper_id"
        )
    names_sql = _verified_names(f"IN ({marks})")
    if names_sql is not None:
        parts.append(f"SELECT 3, v.paper_id, 0, v.name, NULL FROM ({names_sql}) AS v")  # noqa: S608
    names: dict[int, list[str]] = {pk: [] for pk in ids}
    author_ids: dict[int, list[int]] = {pk: [] for pk in ids}
    categories_of: dict[int, list[str]] = {pk: [] for pk in ids}
    facts_of: dict[int, dict[str, Any]] = {}
    verified: dict[int, set[str]] = {}
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        # A library export may ask for thousands: keep under SQLite's bound-parameter limit.
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            sql = " UNION ALL ".join(parts).replace(marks, ", ".join(["%s"] * len(chunk)))
            cursor.execute(sql + " ORDER BY 1, 2, 3", chunk * len(parts))
            found.extend(cursor.fetchall())
    for kind, paper_id, position, text, author_id in found:
        if kind == 0:
            names[paper_id].append(text)
            author_ids[paper_id].append(author_id)
        elif kind == 1:
            categories_of[paper_id].append(text)
        elif kind == 3:
            verified.setdefault(paper_id, set()).add(text)
        else:
            first_day = date.fromisoformat(text) if text else None
            facts_of[paper_id] = {"source": position, "first_day": first_day}
    read_verified = None if names_sql is None else verified
    return _CardFacts(names, author_ids, categories_of, facts_of, read_verified)


def rows_for(papers: Sequence[Paper], *, featured: bool = True) -> list[PaperRow]:
    """Rows for ``papers``, in their order: authors, categories and (unless the caller has them
    already) the source's upvote count and the first listed day in one query, thumbnails and
    glances from the caller's join (else one query each)."""
    papers = list(papers)
    if not papers:
        return []
    return _rows(papers, _card_facts([paper.pk for paper in papers], featured=featured))


def _rows(papers: list[Paper], card_facts: _CardFacts) -> list[PaperRow]:
    thumbnails = _thumbnails(papers)
    glances = glances_for(papers)
    names, author_ids, categories = card_facts.names, card_facts.author_ids, card_facts.categories
    verified = card_facts.verified
    rows = []
    for paper in papers:
        facts = card_facts.featured.get(paper.pk, {})
        thumbnail = thumbnails.get(paper.pk)
        glance = glances.get(paper.pk, NO_GLANCE)
        rows.append(
            PaperRow(
                paper=paper,
                authors=names[paper.pk],
                author_ids=author_ids[paper.pk],
                categories=categories[paper.pk]
                or ([paper.primary_category] if paper.primary_category else []),
                source_upvotes=facts.get("source") or 0,
                featured_day=facts.get("first_day"),
                thumbnail_url=thumbnail_url(paper.arxiv_id, thumbnail.updated_at)
                if thumbnail
                else None,
                thumbnail_width=thumbnail.width if thumbnail else 0,
                thumbnail_height=thumbnail.height if thumbnail else 0,
                keywords=glance.keywords,
                summary=glance.summary,
                summary_source=glance.summary_source,
                verified_authors=None if verified is None else verified.get(paper.pk, set()),
            )
        )
    return rows


def papers_by_ids(
    *, ids: Sequence[int], featured: bool = True, card_only: bool = False
) -> list[PaperRow]:
    """Rows for the visible papers among ``ids``, in the order given (see :func:`rows_for`):
    the papers with their thumbnails and glances in one query, the rest in one more.

    ``card_only``: read only the columns a card shows (:data:`CARD_FIELDS`); the papers' other
    fields are deferred (reading one costs a query), so only for rows that go into cards (the
    search page's), never for the API's or a feed's."""
    found, card_facts = _visible_papers(list(ids), card_only=card_only, featured=featured)
    by_id = {paper.pk: paper for paper in found}
    papers = [by_id[pk] for pk in ids if pk in by_id]
    if card_facts is None:
        return rows_for(papers, featured=featured)
    return _rows(papers, card_facts)


# The columns a card shows (papers/card_html.py, community.cards.card_key, the vote count, the
# glance and the thumbnail), by model. A search page reads 20 papers of a million: their JSON
# histories, metadata and bookkeeping dates (16 of the paper's 29 columns) cost the database
# pages and the ORM converters for nothing the page shows.
CARD_FIELDS: dict[type[models.Model], frozenset[str]] = {
    Paper: frozenset(
        {
            "id",
            "arxiv_id",
            "title",
            "abstract",
            "primary_category",
            "published",
            "published_is_estimate",
            "listed_on",
            "code_url",
            "code_stars",
            "project_page",
            "upvote_count",
            "comment_count",
        }
    ),
    Thumbnail: frozenset({"paper_id", "state", "width", "height", "updated_at"}),
    PaperGlance: frozenset(
        {"paper_id", "keywords", "summary", "text_key", "ai_summary", "ai_text_key", "ai_state"}
    ),
}


@dataclass(frozen=True)
class _Part:
    """One model's columns in :func:`_visible_papers`' SELECT."""

    model: type[models.Model]
    attnames: list[str]
    # (index, converters, column): the values the database driver does not give as Python
    # wants them (JSON, SQLite's dates), converted as the ORM's compiler does.
    converters: list[tuple[int, list[Callable[..., Any]], Col]]


@lru_cache(maxsize=8)
def _paper_select(
    connection: BaseDatabaseWrapper, card_only: bool, featured: bool
) -> tuple[str, tuple[_Part, ...]]:
    """The SELECT of :func:`_visible_papers` and how to read its columns, worked out once per
    connection (and column set): the ORM built and compiled this three-table query for every
    search page (~1 ms of CPU, as much as the database spent answering it).

    On PostgreSQL it also reads what :func:`_card_facts` would (:data:`_PG_FACTS`)."""
    quote = connection.ops.quote_name
    columns, parts = [], []
    for model in (Paper, Thumbnail, PaperGlance):
        table = model._meta.db_table
        # In the model's own order: Model.from_db matches values to fields by it.
        fields = [
            field
            for field in model._meta.concrete_fields
            if not card_only or field.attname in CARD_FIELDS[model]
        ]
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(table)
            found = [
                *connection.ops.get_db_converters(column),
                *column.get_db_converters(connection),
            ]
            if found:
                converters.append((index, found, column))
        columns += [f"{quote(table)}.{quote(field.column)}" for field in fields]
        parts.append(_Part(model, [field.attname for field in fields], converters))
    paper, thumbnail, glance = (quote(m._meta.db_table) for m in (Paper, Thumbnail, PaperGlance))
    facts = _pg_facts(featured) if connection.vendor == "postgresql" else ()
    columns += [f"{alias}.{name}" for alias, names, _ in facts for name in names.split(", ")]
    sql = (
        f"SELECT {', '.join(columns)} FROM {paper}"  # noqa: S608 (names from the models)
        f" LEFT OUTER JOIN {thumbnail} ON {paper}.id = {thumbnail}.paper_id"
        f" LEFT OUTER JOIN {glance} ON {paper}.id = {glance}.paper_id"
    )
    sql += "".join(f" CROSS JOIN LATERAL ({query}) AS {alias}" for alias, _, query in facts)
    # PostgreSQL: one statement text for any number of ids, prepared once per connection (see
    # _visible_papers); SQLite: the ids in the statement, as everywhere.
    ids = "= ANY(%s)" if connection.vendor == "postgresql" else "IN ({ids})"
    sql += f" WHERE NOT {paper}.hidden AND {paper}.id {ids}"
    return sql, tuple(parts)


# PostgreSQL's card facts as columns of the papers' own query (columns, lateral subquery): one
# round trip instead of two. Each aggregate without GROUP BY gives one row, NULL for a paper
# without authors, categories or featured entries. The authors and categories in the paper's
# order, as _card_facts sorts them; the featured facts are its GROUP BY's (MAX over every
# entry, the first day over the listed ones).
_PAPER_ID = f"{Paper._meta.db_table}.id"
_PG_FACTS = (
    (
        "card_authors",
        "names, ids",
        "SELECT array_agg(name ORDER BY position) AS names,"  # noqa: S608
        " array_agg(author_id ORDER BY position) AS ids"
        f" FROM {PaperAuthor._meta.db_table} WHERE paper_id = {_PAPER_ID}",
    ),
    (
        "card_categories",
        "categories",
        "SELECT array_agg(category ORDER BY position) AS categories"  # noqa: S608
        f" FROM {PaperCategory._meta.db_table} WHERE paper_id = {_PAPER_ID}",
    ),
    (
        "card_featured",
        "source, first_day",
        "SELECT MAX(upvotes) AS source, MIN(day) FILTER (WHERE NOT hidden) AS first_day"  # noqa: S608
        f" FROM {Featured._meta.db_table} WHERE paper_id = {_PAPER_ID}",
    ),
)


def _pg_facts(featured: bool) -> tuple[tuple[str, str, str], ...]:
    """The laterals of PostgreSQL's papers' query: authors, categories, the featured facts
    (``featured``) and the verified authors (when registered), in that order."""
    facts: tuple[tuple[str, str, str], ...] = _PG_FACTS if featured else _PG_FACTS[:2]
    names_sql = _verified_names(f"= {_PAPER_ID}")
    if names_sql is not None:
        facts += (
            (
                "card_verified",
                "verified",
                f"SELECT array_agg(v.name) AS verified FROM ({names_sql}) AS v",  # noqa: S608
            ),
        )
    return facts


def _instance(part: _Part, values: Sequence[Any], connection: BaseDatabaseWrapper) -> Any:
    return instance_from_row(part.model, part.attnames, part.converters, values, connection)


def _visible_papers(
    ids: list[int], *, card_only: bool = False, featured: bool = True
) -> tuple[list[Paper], _CardFacts | None]:
    """The visible papers among ``ids`` (in no order), each with its thumbnail and glance
    joined as ``select_related("thumbnail", "glance")`` would: one query per CHUNK ids
    (``card_only``: only :data:`CARD_FIELDS`, the rest deferred). On PostgreSQL the same query
    reads the card facts too (``featured`` as for :func:`_card_facts`); elsewhere None."""
    db = connections[DEFAULT_DB_ALIAS]  # the thread's own connection (hashable, unlike the proxy)
    sql, (paper_part, *related) = _paper_select(db, card_only, featured)
    width = len(paper_part.attnames)
    facts_at = width + sum(len(part.attnames) for part in related)
    card_facts = None
    postgres = db.vendor == "postgresql"
    if postgres:
        card_facts = _CardFacts({}, {}, {}, {}, {} if _verified_sql else None)
    setters = (Paper.thumbnail.related, Paper.glance.related)
    papers = []
    # On PostgreSQL a prepared statement (core.compiled.prepared_cursor): planning this join of
    # six tables cost the server ~1.5 ms of CPU a page, more than running it (S71).
    with prepared_cursor(db) if postgres else db.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            if postgres:
                cursor.execute(sql, [chunk])
            else:
                cursor.execute(sql.replace("{ids}", ", ".join(["%s"] * len(chunk))), chunk)
            for values in cursor.fetchall():
                paper = _instance(paper_part, values[:width], db)
                offset = width
                for part, relation in zip(related, setters, strict=True):
                    own = values[offset : offset + len(part.attnames)]
                    offset += len(part.attnames)
                    # A paper without one reads as "cached: none", as the join leaves it.
                    present = own[part.attnames.index(part.model._meta.pk.attname)] is not None
                    joined = _instance(part, own, db) if present else None
                    relation.set_cached_value(paper, joined)
                    if joined is not None:
                        relation.field.set_cached_value(joined, paper)
                papers.append(paper)
                if card_facts is not None:
                    _add_facts(card_facts, paper.pk, values[facts_at:], featured=featured)
    return papers, card_facts


def _add_facts(card_facts: _CardFacts, pk: int, values: Sequence[Any], *, featured: bool) -> None:
    names, author_ids, categories, *rest = values
    card_facts.names[pk] = names or []
    card_facts.author_ids[pk] = author_ids or []
    card_facts.categories[pk] = categories or []
    if featured:
        source, first_day, *rest = rest
        if source is not None:
            card_facts.featured[pk] = {"source": source, "first_day": first_day}
    if card_facts.verified is not None and rest[0]:
        card_facts.verified[pk] = set(rest[0])


# --- Featured lists ---------------------------------------------------------------------------
