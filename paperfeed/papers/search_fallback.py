"""The database's side of search beyond its ranked query (:mod:`.search`): word frequencies for
"did you mean", and search without the full-text copy (``PAPERFEED_SEARCH_DATABASE_COPY=false``).

With the copy off, the import writes no ``papers_fts`` rows (the tantivy index,
:mod:`paperfeed.papers.textindex`, is where words are searched), so when no index is built for
this database a search falls back to :func:`scan`: a plain ``LIKE`` over titles, abstracts and
author names, newest first. It finds what the words find, but reads every paper: fine for the
minutes between an import and the worker's index build, slow as a steady state on a large
catalogue. :func:`copy_refill` writes the whole copy again before the setting is turned back
on, since the rows it holds stopped following the catalogue while it was off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Max, Q

from paperfeed.papers import textindex, textindex_words
from paperfeed.papers.models import Paper, PaperAuthor, PaperCategory

REFILL_CHUNK = 5_000


def _any_text(word: str) -> Q:
    authored = PaperAuthor.objects.filter(name__icontains=word).values("paper_id")
    return Q(title__icontains=word) | Q(abstract__icontains=word) | Q(pk__in=authored)


def scan(
    *,
    terms: Sequence[str],
    phrases: Sequence[Sequence[str]],
    author_terms: Sequence[Sequence[str]],
    categories: Sequence[str],
    years: tuple[int, int] | None,
    among: Sequence[int] | None,
    limit: int,
    offset: int,
    cap: int,
) -> tuple[list[int], int]:
    """Ids of visible papers holding every term, phrase and author word (case-insensitive
    substrings), within the categories and years given, newest first; and the number of them,
    counted up to ``cap``."""
    papers = Paper.objects.filter(hidden=False)
    for term in terms:
        papers = papers.filter(_any_text(term))
    for phrase in phrases:
        if phrase:
            papers = papers.filter(_any_text(" ".join(phrase)))
    for words in author_terms:
        for word in words:
            authored = PaperAuthor.objects.filter(name__icontains=word).values("paper_id")
            papers = papers.filter(pk__in=authored)
    if categories:
        listed = PaperCategory.objects.filter(category__in=list(categories)).values("paper_id")
        papers = papers.filter(pk__in=listed)
    if years is not None:
        papers = papers.filter(
            published__gte=datetime(years[0], 1, 1, tzinfo=UTC),
            published__lt=datetime(years[1] + 1, 1, 1, tzinfo=UTC),
        )
    if among is not None:
        papers = papers.filter(pk__in=list(among))
    ids = list(
        papers.order_by("-published", "-id").values_list("id", flat=True)[offset : offset + limit]
    )
    if not ids and offset == 0:
        return ids, 0
    return ids, papers.order_by()[:cap].count()


def copy_refill() -> int:
    """Write the database's full-text copy of every paper again (emptied first), in committed
    chunks; returns how many papers it holds."""
    from paperfeed.papers import search

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.FTS_TABLE}")
    high = Paper.objects.aggregate(high=Max("id"))["high"] or 0
    count = 0
    for start in range(0, high + 1, REFILL_CHUNK):
        ids = list(
            Paper.objects.filter(id__gte=start, id__lt=start + REFILL_CHUNK).values_list(
                "id", flat=True
            )
        )
        if ids:
            with transaction.atomic():
                search.reindex_papers(paper_ids=ids, force=True)
            count += len(ids)
    return count


def word_frequencies(words: Iterable[str]) -> dict[str, int]:
    """How many papers hold each of ``words`` (as the index spells them: lower case, accents
    folded), for "did you mean"; words it lacks are left out. SQLite reads FTS5's own
    vocabulary. The tsvector has no cheap one (``ts_stat`` reads every row), so PostgreSQL asks
    the GIN index once per word, counting up to a cap: enough to rank candidate spellings."""
    from paperfeed.papers import search

    wanted = sorted(set(words))
    if not wanted:
        return {}
    index = textindex.engine_index()
    if index is not None:
        return textindex_words.word_frequencies(index, wanted)
    if not search.database_copy_on():
        return {}  # no vocabulary to read: no suggestion
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""SELECT w, (SELECT count(*) FROM (SELECT 1 FROM {search.FTS_TABLE} f
                        WHERE f.document @@ plainto_tsquery('english', w) LIMIT 1000) AS hits)
                    FROM unnest(%s::text[]) AS w""",
                [wanted],
            )
            return {word: int(count) for word, count in cursor.fetchall() if count}
        # A temp table: per connection, no migration, and it reads the live FTS5 index.
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.papers_fts_terms "
            f"USING fts5vocab(main, '{search.FTS_TABLE}', 'row')"
        )
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            cursor.execute(
                "SELECT term, doc FROM temp.papers_fts_terms "
                f"WHERE term IN ({','.join('%s' for _ in chunk)})",
                chunk,
            )
            found.update({term: int(doc) for term, doc in cursor.fetchall()})
    return found
