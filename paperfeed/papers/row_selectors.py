"""Papers made into :class:`~paperfeed.papers.rows.PaperRow` s, with everything a card needs
loaded in a fixed number of queries (authors, categories, the source's upvote count, the first
featured day, the thumbnail and the glance). Every list selector (papers/selectors.py, search,
similar papers, the library, recommendations) builds its rows here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from paperfeed.core.compiled import instance_from_row, prepared_cursor
from paperfeed.core.relations import one_to_one_of
from paperfeed.papers import card_rows, row_statement
from paperfeed.papers.glance.selectors import NO_GLANCE, glances_for
from paperfeed.papers.models import Paper, Thumbnail
from paperfeed.papers.rows import PaperRow


def _thumbnails(papers: list[Paper]) -> dict[int, row_statement.ShownThumbnail]:
    """The thumbnails of ``papers`` that their cards show."""
    found: dict[int, Thumbnail] = one_to_one_of(papers, Paper.thumbnail)
    arxiv_ids = {paper.pk: paper.arxiv_id for paper in papers}
    shown = {
        pk: row_statement.shown_thumbnail(arxiv_ids[pk], t.state, t.updated_at, t.width, t.height)
        for pk, t in found.items()
    }
    return {pk: t for pk, t in shown.items() if t is not None}


# Papers per statement (row_statement.CHUNK).
CHUNK = row_statement.CHUNK


def rows_for(papers: Sequence[Paper], *, featured: bool = True) -> list[PaperRow]:
    """Rows for ``papers``, in their order: authors, categories and (unless the caller has them
    already) the source's upvote count and the first listed day in one query, thumbnails and
    glances from the caller's join (else one query each)."""
    papers = list(papers)
    if not papers:
        return []
    return _rows(
        papers, row_statement.card_facts_of([paper.pk for paper in papers], featured=featured)
    )


def _rows(papers: list[Paper], card_facts: row_statement.CardFacts) -> list[PaperRow]:
    thumbnails = _thumbnails(papers)
    glances = glances_for(papers)
    return [
        row_statement.paper_row(
            paper,
            card_facts,
            thumbnail=thumbnails.get(paper.pk),
            glance=glances.get(paper.pk, NO_GLANCE),
        )
        for paper in papers
    ]


def papers_by_ids(
    *, ids: Sequence[int], featured: bool = True, card_only: bool = False
) -> list[PaperRow]:
    """Rows for the visible papers among ``ids``, in the order given (see :func:`rows_for`):
    the papers with their thumbnails and glances in one query, the rest in one more (on
    PostgreSQL in the same one).

    ``card_only``: rows for cards alone (the search page's, never the API's or a feed's): only
    the columns a card shows, as plain values (:func:`card_rows.card_rows`)."""
    if card_only:
        return card_rows.card_rows(ids=ids, featured=featured)
    found, card_facts = _visible_papers(list(ids), featured=featured)
    by_id = {paper.pk: paper for paper in found}
    papers = [by_id[pk] for pk in ids if pk in by_id]
    if card_facts is None:
        return rows_for(papers, featured=featured)
    return _rows(papers, card_facts)


def _visible_papers(
    ids: list[int], *, featured: bool = True
) -> tuple[list[Paper], row_statement.CardFacts | None]:
    """The visible papers among ``ids`` (in no order), each with its thumbnail and glance
    joined as ``select_related("thumbnail", "glance")`` would: one query per CHUNK ids
    (:func:`row_statement.paper_select`). On PostgreSQL the same query reads the card facts
    too (``featured`` as for :func:`row_statement.card_facts_of`); elsewhere None."""
    db = connections[DEFAULT_DB_ALIAS]  # the thread's own connection (hashable, unlike the proxy)
    sql, (paper_part, *related) = row_statement.paper_select(db, False, featured)
    width = len(paper_part.attnames)
    facts_at = width + sum(len(part.attnames) for part in related)
    postgres = db.vendor == "postgresql"
    card_facts = row_statement.no_facts() if postgres else None
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
                    row_statement.add_row_facts(
                        card_facts, paper.pk, values[facts_at:], featured=featured
                    )
    return papers, card_facts


def _instance(part: row_statement.Part, values: Sequence[Any], db: BaseDatabaseWrapper) -> Any:
    return instance_from_row(part.model, part.attnames, part.converters, values, db)
