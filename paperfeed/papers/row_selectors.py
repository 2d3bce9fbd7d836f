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
