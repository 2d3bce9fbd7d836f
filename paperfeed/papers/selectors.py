"""Reads of the catalogue that the site, the JSON API and the feeds share.

Every function takes keyword-only arguments and returns plain model instances with the related
rows already attached, so callers never trigger extra queries (no N+1):

- ``paper.author_names``: list[str], in byline order;
- ``paper.category_list``: list[str], primary category first;
- on featured lists also ``paper.source_upvotes`` (upvotes at the source, e.g. HF, the highest
  over the period), ``paper.total_upvotes`` (source + local community upvotes, the ranking
  key) and ``paper.featured_day`` (the first day in the period it was featured);
- on :func:`paper_detail` also ``paper.featured_days``: list[date], newest first.

Hidden papers (``Paper.hidden``) are never returned. Counts come from the stored counters
(``Paper.upvote_count``, ``Paper.comment_count``), never from COUNT(*) per paper.

Functions:

- :func:`latest_featured_day` / :func:`nearest_featured_days` -- navigation between days;
- :func:`featured_for_period` -- the daily, weekly and monthly lists ranked by upvotes;
- :func:`paper_detail` -- one paper with everything its page shows;
- :func:`new_papers` -- the whole catalogue, newest first, optionally by category;
- :func:`search_papers` -- full-text search with the query syntax of
  :mod:`paperfeed.papers.querysyntax`;
- :func:`papers_by_ids` -- papers in a given order, decorated as above (used by trending).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Exists, F, Max, Min, OuterRef, Prefetch, Q, When

from paperfeed.papers import querysyntax, search
from paperfeed.papers.ids import InvalidArxivId, normalize_arxiv_id
from paperfeed.papers.models import Featured, Paper, PaperAuthor, PaperCategory
from paperfeed.papers.search import COUNT_CAP

# Upper bounds on what one request may ask for, whatever the caller passes.
MAX_LIMIT = 200
MAX_OFFSET = 10_000
# Rows new_papers() may walk in the newest-first index before it prefers a sort instead.
SCAN_BUDGET = 20_000


def _clamp(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(int(limit), MAX_LIMIT)), max(0, min(int(offset), MAX_OFFSET))


def _visible() -> Q:
    return Q(hidden=False)


def decorate(papers: Sequence[Paper]) -> list[Paper]:
    """Attach ``author_names`` and ``category_list`` to each paper in two queries in all."""
    papers = list(papers)
    if not papers:
        return papers
    ids = [paper.pk for paper in papers]
    names: dict[int, list[str]] = {pk: [] for pk in ids}
    for paper_id, name in (
        PaperAuthor.objects.filter(paper_id__in=ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "name")
    ):
        names[paper_id].append(name)
    categories: dict[int, list[str]] = {pk: [] for pk in ids}
    for paper_id, category in (
        PaperCategory.objects.filter(paper_id__in=ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "category")
    ):
        categories[paper_id].append(category)
    for paper in papers:
        paper.author_names = names[paper.pk]  # type: ignore[attr-defined]
        paper.category_list = categories[paper.pk] or (  # type: ignore[attr-defined]
            [paper.primary_category] if paper.primary_category else []
        )
    return papers


def papers_by_ids(*, ids: Sequence[int]) -> list[Paper]:
    """The visible papers among ``ids``, in the order given, decorated."""
    by_id = {paper.pk: paper for paper in Paper.objects.filter(_visible(), pk__in=list(ids))}
    return decorate([by_id[pk] for pk in ids if pk in by_id])


# --- Featured lists ---------------------------------------------------------------------------


def latest_featured_day() -> date | None:
    """The most recent day with at least one visible featured paper."""
    return (
        Featured.objects.filter(paper__hidden=False, hidden=False)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


def nearest_featured_days(*, day: date) -> tuple[date | None, date | None]:
    """The closest days before and after ``day`` that have featured papers."""
    visible = Featured.objects.filter(paper__hidden=False, hidden=False)
    before = visible.filter(day__lt=day).order_by("-day").values_list("day", flat=True).first()
    after = visible.filter(day__gt=day).order_by("day").values_list("day", flat=True).first()
    return before, after


def featured_for_period(
    *, start: date, end: date, limit: int = 50, offset: int = 0
) -> tuple[list[Paper], int]:
    """Papers featured between ``start`` and ``end`` (inclusive), most upvoted first, and the total.

    Entries a curator pinned come first; entries a curator hid on a day are left out. A paper
    featured on several days of a week or month appears once, with the highest source upvote
    count it had. Ties go to the earlier-featured, then the newer paper.
    """
    limit, offset = _clamp(limit, offset)
    grouped = (
        Featured.objects.filter(day__gte=start, day__lte=end, paper__hidden=False, hidden=False)
        .values("paper_id", "paper__upvote_count")
        .annotate(
            source_upvotes=Max("upvotes"),
            first_day=Min("day"),
            pinned=Max(Case(When(pinned=True, then=1), default=0)),
        )
    )
    total = grouped.count()
    if total == 0 or offset >= total:
        return [], total
    rows = list(
        grouped.annotate(total_upvotes=F("source_upvotes") + F("paper__upvote_count")).order_by(
            "-pinned", "-total_upvotes", "first_day", "-paper_id"
        )[offset : offset + limit]
    )
    papers = papers_by_ids(ids=[row["paper_id"] for row in rows])
    extra = {row["paper_id"]: row for row in rows}
    for paper in papers:
        row = extra[paper.pk]
        paper.source_upvotes = row["source_upvotes"]  # type: ignore[attr-defined]
        paper.total_upvotes = row["source_upvotes"] + paper.upvote_count  # type: ignore[attr-defined]
        paper.featured_day = row["first_day"]  # type: ignore[attr-defined]
        paper.pinned = bool(row["pinned"])  # type: ignore[attr-defined]
    return papers, total


# --- One paper ------------------------------------------------------------------------------


def paper_detail(*, arxiv_id: str) -> Paper | None:
    """The visible paper with this id (any accepted form, version ignored), or None."""
    try:
        key = normalize_arxiv_id(arxiv_id)
    except InvalidArxivId:
        return None
    paper = (
        Paper.objects.filter(_visible(), arxiv_id=key)
        .prefetch_related(
            Prefetch(
                "featured", queryset=Featured.objects.order_by("-day"), to_attr="featured_list"
            )
        )
        .first()
    )
    if paper is None:
        return None
    decorate([paper])
    paper.featured_days = [entry.day for entry in paper.featured_list]  # type: ignore[attr-defined]
    paper.source_upvotes = max(  # type: ignore[attr-defined]
        (entry.upvotes for entry in paper.featured_list),  # type: ignore[attr-defined]
        default=0,
    )
    paper.total_upvotes = paper.source_upvotes + paper.upvote_count  # type: ignore[attr-defined]
    return paper


# --- The whole catalogue ----------------------------------------------------------------------


def _cached_count(key: str, compute) -> int:  # type: ignore[no-untyped-def]
    """COUNT(*) over a large table, remembered for PAPERFEED_COUNT_CACHE_SECONDS."""
    seconds = settings.PAPERFEED_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return int(compute())
    value = cache.get(key)
    if value is None:
        value = int(compute())
        cache.set(key, value, seconds)
    return int(value)


def new_papers(
    *, category: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Paper], int]:
    """Every visible paper, newest first (by v1 date), optionally in one category; and the total."""
    limit, offset = _clamp(limit, offset)
    papers = Paper.objects.filter(_visible())
    if not category:
        total = _cached_count("papers:new:count", papers.count)
        return decorate(list(papers.order_by("-published", "-id")[offset : offset + limit])), total
    links = PaperCategory.objects.filter(category=category)
    total = _cached_count(
        f"papers:new:count:{category}",
        links.filter(paper__hidden=False).order_by()[:COUNT_CAP].count,
    )
    # Two plans, chosen by how common the category is. Walking the newest-first index and
    # probing each paper's categories stops after about (offset + limit) * catalogue/category
    # rows: best for big categories. For rare ones, sorting the category's few papers is cheaper.
    catalogue = _cached_count("papers:new:count", papers.count)
    expected_scan = (offset + limit) * catalogue / max(total, 1)
    if expected_scan <= SCAN_BUDGET:
        papers = papers.filter(Exists(links.filter(paper_id=OuterRef("pk"))))
    else:
        papers = papers.filter(pk__in=links.values("paper_id"))
    page = list(papers.order_by("-published", "-id")[offset : offset + limit])
    return decorate(page), total


# --- Search -----------------------------------------------------------------------------------


@dataclass
class SearchResult:
    query: querysyntax.ParsedQuery
    papers: list[Paper] = field(default_factory=list)
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

    Any string is accepted: what is not syntax is read as words. Each paper gets
    ``title_html`` and ``snippet_html``: escaped text with ``<mark>`` around matched words.
    """
    limit, offset = _clamp(limit, offset)
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
    papers = papers_by_ids(ids=ids)
    words = parsed.highlight_words
    for paper in papers:
        paper.title_html = querysyntax.highlight(paper.title, words)  # type: ignore[attr-defined]
        paper.snippet_html = querysyntax.snippet(paper.abstract, words)  # type: ignore[attr-defined]
    result.papers = papers
    result.total = total
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
    from paperfeed.papers.similar import selectors as similar_selectors
    from paperfeed.papers.similar import store

    seconds = settings.PAPERFEED_SEARCH_CACHE_SECONDS
    key = ""
    if seconds > 0:
        index_name = store.current_name(similar_selectors.store_dir()) if mode != "keyword" else ""
        identity = repr((search.catalogue_version(), index_name, query, limit, offset, sort, mode))
        key = "search:" + hashlib.sha256(identity.encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
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


def similar_papers(*, paper: Paper, limit: int = 10) -> list[Paper]:
    """The papers most similar to ``paper`` (see :mod:`paperfeed.papers.similar`)."""
    from paperfeed.papers.similar.selectors import similar_papers as stored_neighbours

    return stored_neighbours(paper=paper, limit=limit)
