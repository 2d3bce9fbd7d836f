"""The search box's reads, shared by the site, the JSON API and the search feed.

Ids and arXiv URLs go straight to their paper; everything else goes through the one full-text
module (:mod:`paperfeed.papers.search`) or, by meaning, :mod:`paperfeed.papers.similar`. Results
are :class:`paperfeed.papers.rows.PaperRow`s, like every list.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from paperfeed.core import builds
from paperfeed.papers import querysyntax, search, search_fallback, spelling
from paperfeed.papers.ids import arxiv_id_in_query
from paperfeed.papers.models import Paper
from paperfeed.papers.row_selectors import papers_by_ids
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.selectors import clamp
from paperfeed.papers.similar import selectors as similar_selectors


@dataclass
class SearchResult:
    query: querysyntax.ParsedQuery
    papers: list[PaperRow] = field(default_factory=list)
    # The number of papers that match the words (and filters): never padded by meaning.
    total: int = 0
    # A message for the reader when the query could not be run as typed.
    message: str = ""
    # The mode that produced the results (a semantic query falls back to keywords while there
    # is no index).
    mode: str = "keyword"
    # Hybrid, when the words fill less than a page: papers near the query in meaning that do
    # not match its words, shown apart under "related by meaning", never counted in ``total``.
    related: list[PaperRow] = field(default_factory=list)
    # When the words matched nothing: the corrected query whose results are shown instead.
    suggestion: str = ""
    # Whether the ids came from the result cache: someone asked this search before.
    repeated: bool = False


SORTS = ("relevance", "date")
# keyword: full-text; semantic: nearest in meaning (paperfeed.papers.similar); hybrid: the
# full-text results and count, with papers related only by meaning in a block of their own.
MODES = ("keyword", "semantic", "hybrid")
# How many "related by meaning" papers a hybrid first page shows, and how many nearest papers
# are read to find them among papers that do not match the words.
RELATED_LIMIT = 5
RELATED_DEPTH = 40


def search_papers(
    *,
    query: str,
    limit: int = 20,
    offset: int = 0,
    sort: str = "relevance",
    mode: str = "keyword",
    card_only: bool = False,
) -> SearchResult:
    """Full-text search (the tantivy index, or the database's FTS5 / ts_rank) with the syntax
    ``"exact phrase"``, ``author:name``, ``cat:cs.CL``, ``year:2025`` / ``year:2024-2025``.

    Any string is accepted: what is not syntax is read as words. Each row has ``title_html``
    and ``snippet_html``: escaped text with ``<mark>`` around matched words. A query whose words
    match nothing is tried once more with its unknown words corrected ("did you mean").
    ``card_only``: the rows are read with only the columns a card shows (the search page's;
    see :func:`paperfeed.papers.row_selectors.papers_by_ids`).
    """
    limit, offset = clamp(limit, offset)
    arxiv_id = arxiv_id_in_query(query)
    if arxiv_id is not None:
        return _search_by_id(arxiv_id=arxiv_id, offset=offset, card_only=card_only)
    parsed = querysyntax.parse_query(query)
    if sort not in SORTS:
        sort = parsed.sort or "relevance"
    result = SearchResult(query=parsed, message=parsed.message)
    if parsed.is_empty:
        if not result.message and query.strip():
            result.message = "The query has no searchable words."
        return result
    ids, total, result.mode, fell_back, result.repeated = _search_ids(
        query=query, parsed=parsed, limit=limit, offset=offset, sort=sort, mode=mode
    )
    if fell_back and mode == "semantic" and not result.message:
        result.message = (
            "Search by meaning is not available for this query; showing keyword matches."
        )
    if total == 0 and offset == 0 and result.mode != "semantic":
        corrected = _corrected(query=query, parsed=parsed)
        if corrected is not None:
            fixed = querysyntax.parse_query(corrected)
            ids, total, _, _, result.repeated = _search_ids(
                query=corrected, parsed=fixed, limit=limit, offset=offset, sort=sort, mode="keyword"
            )
            if total:
                result.suggestion = corrected
                parsed = fixed
    words = parsed.highlight_words
    result.papers = _highlighted(papers_by_ids(ids=ids, card_only=card_only), words)
    result.total = total
    # Meaning helps when the words found less than a page; reading it costs more than the
    # words do, so a query that fills its page is not slowed down for a block below it.
    if mode == "hybrid" and offset == 0 and sort == "relevance" and total < limit:
        related = _related_ids(query=query, parsed=parsed)
        result.related = _highlighted(papers_by_ids(ids=related, card_only=card_only), words)
    return result


def _highlighted(rows: list[PaperRow], words: list[str]) -> list[PaperRow]:
    pattern = querysyntax.highlight_pattern(words)  # once for the page's titles and abstracts
    for row in rows:
        row.title_html = querysyntax.highlight_with(row.paper.title, pattern)
        row.snippet_html = querysyntax.snippet_with(row.paper.abstract, pattern)
    return rows


def _corrected(*, query: str, parsed: querysyntax.ParsedQuery) -> str | None:
    """``query`` with its unknown words replaced by the likeliest known ones, or None."""
    if not parsed.terms:
        return None
    fixed = spelling.correct(parsed.terms, frequencies=search_fallback.word_frequencies)
    if fixed is None:
        return None
    out = query
    for old, new in zip(parsed.terms, fixed, strict=True):
        if old.casefold() != new:
            out = re.sub(rf"(?<![\w:]){re.escape(old)}(?!\w)", new, out, count=1, flags=re.I)
    return out if out != query else None


def _search_by_id(*, arxiv_id: str, offset: int, card_only: bool) -> SearchResult:
    """A query that is only an arXiv id (or its URL or DOI) finds that paper alone.

    Words would match hundreds of unrelated papers (a URL's "arxiv", "abs", "org"), so the id is
    looked up and never sent to the full-text index. Its row is read as every search's rows are
    (:func:`papers_by_ids`, two compiled queries): the ORM's paper, then its card facts,
    thumbnail and glance, took four and ~6 ms of CPU at 1 M, more than a page of 20 (S65).
    """
    result = SearchResult(query=querysyntax.parse_query(""))
    pk = Paper.objects.visible().filter(arxiv_id=arxiv_id).values_list("pk", flat=True).first()
    if pk is None:
        result.message = f"arXiv:{arxiv_id} is not in this catalogue yet."
        return result
    result.total = 1
    if offset == 0:
        result.papers = _highlighted(papers_by_ids(ids=[pk], card_only=card_only), [])
    return result


def _search_ids(
    *, query: str, parsed: querysyntax.ParsedQuery, limit: int, offset: int, sort: str, mode: str
) -> tuple[list[int], int, str, bool, bool]:
    """Ids of one page of results, the total, the mode that produced them, whether a
    semantic or hybrid query fell back to keywords, and whether the answer was cached.

    Cached for PAPERFEED_SEARCH_CACHE_SECONDS under the catalogue version (bumped in the same
    transaction as every import, edit or hiding, and after each search-index update) and the
    name of the live similar-papers index: ranking every match is the costly part of a search,
    and its answer can only change when one of those two does. Pages are rendered from the
    papers as they are now, so counts stay fresh.
    """

    seconds = settings.PAPERFEED_SEARCH_CACHE_SECONDS
    key = ""
    if seconds > 0:
        index_name = builds.current_name(similar_selectors.store_dir()) if mode != "keyword" else ""
        identity = repr((search.catalogue_version(), index_name, query, limit, offset, sort, mode))
        key = "search:" + hashlib.sha256(identity.encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            return (*hit, True)
    found = None
    by_meaning = mode == "semantic" and sort == "relevance"
    if by_meaning:
        found = similar_selectors.meaning_search(parsed=parsed, limit=limit, offset=offset)
    if found is not None:
        answer = (*found, mode, False)
    else:
        ids, total = search.search_filtered(
            **parsed.criteria, sort=sort, limit=limit, offset=offset
        )
        answer = (ids, total, "keyword", by_meaning)
    if key:
        cache.set(key, answer, seconds)
    return (*answer, False)


def _related_ids(*, query: str, parsed: querysyntax.ParsedQuery) -> list[int]:
    """The nearest papers in meaning that pass the filters and do not match the words (the
    ones that do are already counted and listed), best first; [] without an index."""

    seconds = settings.PAPERFEED_SEARCH_CACHE_SECONDS
    key = ""
    if seconds > 0:
        index_name = builds.current_name(similar_selectors.store_dir())
        identity = repr((search.catalogue_version(), index_name, query, "related"))
        key = "search:" + hashlib.sha256(identity.encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            return list(hit)
    found = similar_selectors.meaning_search(parsed=parsed, limit=RELATED_DEPTH, offset=0)
    ids = found[0] if found is not None else []
    if ids and parsed.has_text:
        matching, _ = search.search_filtered(
            terms=parsed.terms,
            phrases=parsed.phrases,
            author_terms=parsed.author_terms,
            among=ids,
            limit=len(ids),
        )
        ids = [pk for pk in ids if pk not in set(matching)]
    ids = ids[:RELATED_LIMIT]
    if key:
        cache.set(key, ids, seconds)
    return ids
