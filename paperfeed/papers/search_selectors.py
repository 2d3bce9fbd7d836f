"""The search box's reads, shared by the site, the JSON API and the search feed.

Ids and arXiv URLs go straight to their paper; everything else goes through the one full-text
module (:mod:`paperfeed.papers.search`) or, by meaning, :mod:`paperfeed.papers.similar`. Results
are :class:`paperfeed.papers.rows.PaperRow`s, like every list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from paperfeed.papers import querysyntax, search
from paperfeed.papers.ids import arxiv_id_in_query
from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.selectors import clamp, papers_by_ids, rows_for
from paperfeed.papers.similar import selectors as similar_selectors
from paperfeed.papers.similar import store


@dataclass
class SearchResult:
    query: querysyntax.ParsedQuery
    papers: list[PaperRow] = field(default_factory=list)
    total: int = 0
    # A message for the reader when the query could not be run as typed.
    message: str = ""
    # The mode that produced the results (a semantic query falls back to keywords while there
    # is no index).
    mode: str = "keyword"


SORTS = ("relevance", "date")
# keyword: full-text; semantic: nearest in meaning (paperfeed.papers.similar); hybrid: both,
# fused by reciprocal rank.
MODES = ("keyword", "semantic", "hybrid")


def search_papers(
    *,
    query: str,
    limit: int = 20,
    offset: int = 0,
    sort: str = "relevance",
    mode: str = "keyword",
) -> SearchResult:
    """Full-text search (BM25 on SQLite, ts_rank on PostgreSQL) with the query syntax
    ``"exact phrase"``, ``author:name``, ``cat:cs.CL``, ``year:2025`` / ``year:2024-2025``.

    Any string is accepted: what is not syntax is read as words. Each row has ``title_html``
    and ``snippet_html``: escaped text with ``<mark>`` around matched words.
    """
    limit, offset = clamp(limit, offset)
    arxiv_id = arxiv_id_in_query(query)
    if arxiv_id is not None:
        return _search_by_id(arxiv_id=arxiv_id, query=query, offset=offset)
    parsed = querysyntax.parse_query(query)
    if sort not in SORTS:
        sort = parsed.sort or "relevance"
    result = SearchResult(query=parsed, message=parsed.message)
    if parsed.is_empty:
        if not result.message and query.strip():
            result.message = "The query has no searchable words."
        return result
    ids, total, result.mode, fell_back = _search_ids(
        query=query, parsed=parsed, limit=limit, offset=offset, sort=sort, mode=mode
    )
    if fell_back and mode == "semantic" and not result.message:
        result.message = (
            "Search by meaning is not available for this query; showing keyword matches."
        )
    rows = papers_by_ids(ids=ids)
    words = parsed.highlight_words
    for row in rows:
        row.title_html = querysyntax.highlight(row.paper.title, words)
        row.snippet_html = querysyntax.snippet(row.paper.abstract, words)
    result.papers = rows
    result.total = total
    return result


def _search_by_id(*, arxiv_id: str, query: str, offset: int) -> SearchResult:
    """A query that is only an arXiv id (or its URL or DOI) finds that paper alone.

    Words would match hundreds of unrelated papers (a URL's "arxiv", "abs", "org"), so the id is
    looked up and never sent to the full-text index.
    """
    result = SearchResult(query=querysyntax.parse_query(""))
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        result.message = f"arXiv:{arxiv_id} is not in this catalogue yet."
        return result
    result.total = 1
    if offset == 0:
        result.papers = rows_for([paper])
        for row in result.papers:
            row.title_html = querysyntax.highlight(paper.title, [])
            row.snippet_html = querysyntax.snippet(paper.abstract, [])
    return result


def _search_ids(
    *, query: str, parsed: querysyntax.ParsedQuery, limit: int, offset: int, sort: str, mode: str
) -> tuple[list[int], int, str, bool]:
    """Ids of one page of results, the total, the mode that produced them, and whether a
    semantic or hybrid query fell back to keywords.

    Cached for PAPERFEED_SEARCH_CACHE_SECONDS under the catalogue version (bumped in the same
    transaction as every import, edit or hiding) and the name of the live similar-papers index:
    ranking every match is the costly part of a search, and its answer can only change when one
    of those two does. Pages are rendered from the papers as they are now, so counts stay fresh.
    """

    seconds = settings.PAPERFEED_SEARCH_CACHE_SECONDS
    key = ""
    if seconds > 0:
        index_name = store.current_name(similar_selectors.store_dir()) if mode != "keyword" else ""
        identity = repr((search.catalogue_version(), index_name, query, limit, offset, sort, mode))
        key = "search:" + hashlib.sha256(identity.encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            return hit
    found = None
    by_meaning = mode in MODES and mode != "keyword" and sort == "relevance"
    if by_meaning:
        found = similar_selectors.meaning_search(
            parsed=parsed, mode=mode, limit=limit, offset=offset
        )
    if found is not None:
        answer = (*found, mode, False)
    else:
        ids, total = search.search_filtered(
            terms=parsed.terms,
            phrases=parsed.phrases,
            author_terms=parsed.author_terms,
            categories=parsed.categories,
            years=parsed.years,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        answer = (ids, total, "keyword", by_meaning)
    if key:
        cache.set(key, answer, seconds)
    return answer
