"""The rows' one statement: the papers with their thumbnails and glances joined and what a card
shows beside the paper's own row (authors, categories, the featured facts, the verified
authors) as columns of the same statement, compiled once per connection and column set.

:func:`paperfeed.papers.row_selectors.papers_by_ids` makes its model instances from it, and
:mod:`paperfeed.papers.card_rows` the search page's plain rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col

from paperfeed.core import bodykeep
from paperfeed.papers.glance.models import PaperGlance
from paperfeed.papers.glance.selectors import Glance
from paperfeed.papers.models import Featured, Paper, PaperAuthor, PaperCategory, Thumbnail
from paperfeed.papers.rows import CardPaper, PaperRow
from paperfeed.papers.thumbnails import thumbnail_path, thumbnail_url

# Papers per statement; card_facts_of binds each once per part, up to four parts (8,000
# values: SQLite binds up to 32,766).
CHUNK = 2000

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

# The SQL of (paper id, name) for each author of the papers ``{papers}`` whose claim a curator
# approved: community's (above this app), registered from its ready(). Read in the rows' own
# statement: every list of cards asked it as a statement of its own, one more round trip on
# PostgreSQL (S71).
_verified_sql: list[str] = []


def verified_sql_register(sql: str) -> None:
    """The verified authors' SQL (``{papers}`` where ``IN (ids)`` or ``= <paper id>`` goes)."""
    _verified_sql[:] = [sql]
    paper_select.cache_clear()


def verified_names(papers: str) -> str | None:
    """The registered verified authors' SQL with ``papers`` (``IN (…)`` or ``= <paper id>``) in
    its place; None when no app registered it."""
    return _verified_sql[0].replace("{papers}", papers) if _verified_sql else None


@dataclass(frozen=True)
class Part:
    """One model's columns in :func:`paper_select`'s SELECT."""

    model: type[models.Model]
    attnames: list[str]
    # (index, converters, column): the values the database driver does not give as Python
    # wants them (JSON, SQLite's dates), converted as the ORM's compiler does.
    converters: list[tuple[int, list[Callable[..., Any]], Col]]

    def converted(self, values: Sequence[Any], connection: BaseDatabaseWrapper) -> list[Any]:
        """``values`` (this part's columns of a row) as the ORM would give them."""
        out = list(values)
        for index, converters, column in self.converters:
            value = out[index]
            for converter in converters:
                value = converter(value, column, connection)
            out[index] = value
        return out


@lru_cache(maxsize=8)
def paper_select(
    connection: BaseDatabaseWrapper, card_only: bool, featured: bool
) -> tuple[str, tuple[Part, ...]]:
    """The SELECT of the papers among some ids (``{ids}`` on SQLite, one array on PostgreSQL)
    with their thumbnails and glances, then on PostgreSQL the card facts' columns
    (:func:`add_row_facts`), and how to read its columns, worked out once per connection (and
    column set): the ORM built and compiled this query for every search page (~1 ms of CPU,
    as much as the database spent answering it). ``card_only``: only :data:`CARD_FIELDS`."""
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
        parts.append(Part(model, [field.attname for field in fields], converters))
    paper, thumbnail, glance = (quote(m._meta.db_table) for m in (Paper, Thumbnail, PaperGlance))
    postgres = connection.vendor == "postgresql"
    facts = _pg_facts(featured) if postgres else ()
    columns += [f"{alias}.{name}" for alias, names, _ in facts for name in names.split(", ")]
    sql = (
        f"SELECT {', '.join(columns)} FROM {paper}"  # noqa: S608 (names from the models)
        f" LEFT OUTER JOIN {thumbnail} ON {paper}.id = {thumbnail}.paper_id"
        f" LEFT OUTER JOIN {glance} ON {paper}.id = {glance}.paper_id"
    )
    sql += "".join(f" CROSS JOIN LATERAL ({query}) AS {alias}" for alias, _, query in facts)
    # PostgreSQL: one statement text for any number of ids, prepared once per connection;
    # SQLite: the ids in the statement, as everywhere.
    ids = "= ANY(%s)" if postgres else "IN ({ids})"
    sql += f" WHERE NOT {paper}.hidden AND {paper}.id {ids}"
    return sql, tuple(parts)


# PostgreSQL's card facts as columns of the papers' own query (columns, lateral subquery): one
# round trip instead of two. Each aggregate without GROUP BY gives one row, NULL for a paper
# without authors, categories or featured entries. The authors and categories in the paper's
# order; the featured facts are the source's highest count over every entry (hidden ones
# too: one number per paper, whichever list shows it) and the first day over the listed ones.
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
    names_sql = verified_names(f"= {_PAPER_ID}")
    if names_sql is not None:
        facts += (
            (
                "card_verified",
                "verified",
                f"SELECT array_agg(v.name) AS verified FROM ({names_sql}) AS v",  # noqa: S608
            ),
        )
    return facts


@dataclass
class CardFacts:
    """What a card shows beside the paper's own row, by paper id: author names and ids and
    categories in the paper's order, (featured) the source's upvote count and first day, and
    the verified authors' names (None: not read, no SQL registered)."""

    names: dict[int, list[str]]
    author_ids: dict[int, list[int]]
    categories: dict[int, list[str]]
    featured: dict[int, dict[str, Any]]
    verified: dict[int, set[str]] | None = None


def card_facts_of(ids: list[int], *, featured: bool) -> CardFacts:
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
    names_sql = verified_names(f"IN ({marks})")
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
    return CardFacts(names, author_ids, categories_of, facts_of, read_verified)


def add_row_facts(card_facts: CardFacts, pk: int, values: Sequence[Any], *, featured: bool) -> None:
    """PostgreSQL: the card facts' columns of one row of :func:`paper_select`'s statement."""
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


def no_facts() -> CardFacts:
    """Card facts to fill row by row (:func:`add_row_facts`)."""
    return CardFacts({}, {}, {}, {}, {} if _verified_sql else None)


# A thumbnail a card shows: (updated_at, width, height).
ShownThumbnail = tuple[datetime, int, int]


def shown_thumbnail(
    arxiv_id: str, state: str, updated_at: datetime, width: int, height: int
) -> ShownThumbnail | None:
    """The thumbnail a card shows, or None for the placeholder."""
    # A file lost since (a restored backup, a web host without the workers' storage) shows the
    # placeholder, never a broken image: a stat per card, microseconds, no query.
    if state == Thumbnail.State.DONE:
        found = thumbnail_path(arxiv_id).is_file()
        bodykeep.watch("thumbnail", arxiv_id, found)  # a kept paper page (core/bodykeep.py)
        if found:
            return updated_at, width, height
    return None


def paper_row(
    paper: Paper | CardPaper,
    card_facts: CardFacts,
    *,
    thumbnail: ShownThumbnail | None,
    glance: Glance,
) -> PaperRow:
    """One paper's row from its facts, its shown thumbnail and its glance. ``paper``: a model
    instance, or the search page's :class:`CardPaper` (the card writers read only its
    attributes; a test writes every card from both kinds of row)."""
    pk = paper.id
    facts = card_facts.featured.get(pk, {})
    verified = card_facts.verified
    return PaperRow(
        paper=cast(Paper, paper),
        authors=card_facts.names[pk],
        author_ids=card_facts.author_ids[pk],
        categories=card_facts.categories[pk]
        or ([paper.primary_category] if paper.primary_category else []),
        source_upvotes=facts.get("source") or 0,
        featured_day=facts.get("first_day"),
        thumbnail_url=thumbnail_url(paper.arxiv_id, thumbnail[0]) if thumbnail else None,
        thumbnail_width=thumbnail[1] if thumbnail else 0,
        thumbnail_height=thumbnail[2] if thumbnail else 0,
        keywords=glance.keywords,
        summary=glance.summary,
        summary_source=glance.summary_source,
        verified_authors=None if verified is None else verified.get(pk, set()),
    )
