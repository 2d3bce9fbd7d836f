"""A search page's rows as plain values: the rows' one statement
(:func:`paperfeed.papers.row_statement.paper_select`, the card's columns only), each of its
tuples made straight into a :class:`PaperRow` whose paper is a :class:`CardPaper`.

A distinct query's page reads ~17 papers nobody asked for before, and ``papers_by_ids`` built
three model instances for each (paper, thumbnail, glance), wired their relations both ways and
walked them back (``one_to_one_of``, ``Model.pk``) only for the cards to read a dozen
attributes (S77). Only the card writers see these rows: ``papers_by_ids(card_only=True)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from paperfeed.core.compiled import prepared_cursor
from paperfeed.papers import row_statement
from paperfeed.papers.glance.selectors import NO_GLANCE, Glance, glance_from
from paperfeed.papers.rows import CardPaper, PaperRow


def card_rows(*, ids: Sequence[int], featured: bool = True) -> list[PaperRow]:
    """Rows for the cards of the visible papers among ``ids``, in the order given: the same
    values ``papers_by_ids`` gives, in one statement per ``CHUNK`` ids, with a
    :class:`CardPaper` (the card's columns) where its rows have a :class:`Paper`."""
    db = connections[DEFAULT_DB_ALIAS]
    sql, (paper_part, thumbnail_part, glance_part) = row_statement.paper_select(db, True, featured)
    postgres = db.vendor == "postgresql"
    paper_end = len(paper_part.attnames)
    thumbnail_end = paper_end + len(thumbnail_part.attnames)
    glance_end = thumbnail_end + len(glance_part.attnames)
    glance_key = glance_part.attnames.index("paper_id")
    ids = list(ids)
    found: list[tuple[CardPaper, dict[str, Any], Glance]] = []
    card_facts = row_statement.no_facts() if postgres else None
    with prepared_cursor(db) if postgres else db.cursor() as cursor:
        for start in range(0, len(ids), row_statement.CHUNK):
            chunk = ids[start : start + row_statement.CHUNK]
            if postgres:
                cursor.execute(sql, [chunk])
            else:
                cursor.execute(sql.replace("{ids}", ", ".join(["%s"] * len(chunk))), chunk)
            for values in cursor.fetchall():
                paper = CardPaper(
                    **dict(
                        zip(
                            paper_part.attnames,
                            paper_part.converted(values[:paper_end], db),
                            strict=True,
                        )
                    )
                )
                thumbnail = dict(
                    zip(
                        thumbnail_part.attnames,
                        thumbnail_part.converted(values[paper_end:thumbnail_end], db),
                        strict=True,
                    )
                )
                glance_values = values[thumbnail_end:glance_end]
                glance = NO_GLANCE
                if glance_values[glance_key] is not None:
                    converted = glance_part.converted(glance_values, db)
                    glance = glance_from(dict(zip(glance_part.attnames, converted, strict=True)))
                found.append((paper, thumbnail, glance))
                if card_facts is not None:
                    row_statement.add_row_facts(
                        card_facts, paper.id, values[glance_end:], featured=featured
                    )
    if card_facts is None:  # SQLite: one UNION ALL of the facts (S77: cheaper than subqueries)
        card_facts = row_statement.card_facts_of(
            [paper.id for paper, _, _ in found], featured=featured
        )
    by_id = {
        paper.id: row_statement.paper_row(
            paper,
            card_facts,
            thumbnail=None
            if thumbnail["paper_id"] is None
            else row_statement.shown_thumbnail(
                paper.arxiv_id,
                thumbnail["state"],
                thumbnail["updated_at"],
                thumbnail["width"],
                thumbnail["height"],
            ),
            glance=glance,
        )
        for paper, thumbnail, glance in found
    }
    return [by_id[pk] for pk in ids if pk in by_id]
