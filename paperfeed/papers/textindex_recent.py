"""The newest papers first: the newest-first sort, and quoted phrases of common words.

Both try the newest eighth of the publication dates before walking every match: a page of the
newest papers fills there, and a phrase whose words fill most of the catalogue reaches the
count's cap there. Where a try falls short, every match is walked as for any query. The
publication dates' span and the newest eighth's start are read once per index generation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import tantivy

from paperfeed.papers.textindex_query import (
    RECENT_SHARE,
    RERANK_DEPTH,
    TEXT_FIELDS,
    TRY_RECENT_MARGIN,
    Hits,
    both,
    count_of,
    likely_matches,
    most_matches,
    published_within,
)

T = TypeVar("T")


def broad_phrases(
    index: tantivy.Index,
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    *,
    phrases: Sequence[Sequence[str]],
    words: Sequence[str],
    depth: int,
    count_cap: int | None,
) -> tuple[Hits, int] | None:
    """The best ``depth`` hits (at least :data:`RERANK_DEPTH`) of a query with a quoted phrase
    of common words and its number of matches (at most ``count_cap``), the newest papers
    first; None for other queries.

    A phrase is matched by walking the positions of every paper that holds all its words:
    "to the", "we propose a" or "language models" hold a large share of the catalogue (50 to
    230 ms at 1 M papers, however few the phrase's matches), and the count stops at the cap
    anyway. So when the term dictionaries say its words could fill it, the newest eighth of
    the papers (by publication date) is searched first: when its matches reach the cap, the
    page is their best and the count says "cap+", as the title-first pass of broad words
    ranks the title matches only. Otherwise every match is walked, as for any query (the
    newest eighth's walk, about an eighth of that, is the price of trying). The matches stay
    exact: only papers with the words adjacent and in order. (A shingle field, word pairs
    indexed with positions, would make the walk a few term look-ups, but cost 3.3x the
    build's CPU and 3.5x the index at 76 k papers: the pairs must be made in Python, one
    string per word.)"""
    if count_cap is None or depth > RERANK_DEPTH or not any(len(p) > 1 for p in phrases):
        return None
    bound = most_matches(searcher, words, TEXT_FIELDS)
    # The newest eighth of the papers holds about an eighth of a phrase's matches: try it only
    # when the words are common enough for that to reach the cap, and more common than that
    # eighth is large (else the phrase, not the dates, leads the walk: a whole walk more).
    # Twice as large left "state of the art" and "in this paper" out at 1 M.
    share = searcher.num_docs // RECENT_SHARE
    if bound is None or bound < max(count_cap * RECENT_SHARE, share) or not share:
        return None
    dates = published_within(
        index.schema,
        _newest_share_start(index, searcher),
        _span(index, searcher, "published")[1],
    )
    recent = searcher.search(both(query, dates), RERANK_DEPTH, count=True)
    # Else one walk of every match. (Walking the older papers alone and merging cost as much
    # and more: the phrase leads that walk, and the dates are only checked after it.)
    return (recent.hits, count_cap) if count_of(recent) >= count_cap else None


_generations: dict[tuple[int, int, int, str], Any] = {}


def _per_generation(
    index: tantivy.Index, searcher: tantivy.Searcher, name: str, read: Callable[[], T]
) -> T:
    """``read()`` once per index generation (a commit changes the number of documents or
    segments): an aggregation over every paper's date costs milliseconds at 1 M papers."""
    key = (id(index), searcher.num_docs, searcher.num_segments, name)
    if key not in _generations:
        if len(_generations) > 16:
            _generations.clear()
        _generations[key] = read()
    return _generations[key]


def _newest_share_start(index: tantivy.Index, searcher: tantivy.Searcher) -> int:
    """The publication date from which the newest 1/:data:`RECENT_SHARE` of the papers
    start."""

    def read() -> int:
        percent = 100.0 * (1 - 1 / RECENT_SHARE)
        found = searcher.aggregate(
            tantivy.Query.all_query(),
            {"share": {"percentiles": {"field": "published", "percents": [percent]}}},
        )
        return int(next(iter(found["share"]["values"].values())) or 0)

    return _per_generation(index, searcher, "newest share", read)


def _span(index: tantivy.Index, searcher: tantivy.Searcher, field: str) -> tuple[int, int]:
    """The lowest and highest value of an integer fast field in the index."""

    def read() -> tuple[int, int]:
        found = searcher.aggregate(
            tantivy.Query.all_query(),
            {"lo": {"min": {"field": field}}, "hi": {"max": {"field": field}}},
        )
        return int(found["lo"]["value"] or 0), int(found["hi"]["value"] or 0)

    return _per_generation(index, searcher, "span " + field, read)


def newest(
    index: tantivy.Index,
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    *,
    depth: int,
    count: bool,
    count_cap: int | None,
    words: Sequence[str],
) -> tuple[Hits, int]:
    """The newest ``depth`` matches of ``query`` and the number of matches (as :func:`best`).

    The newest eighth of the publication dates first: when the page fills within it, those
    are the newest of all, and when its matches reach the cap, so do all of them. Tried only
    when :func:`likely_matches` expects the cap to be reached within it: the try alone cost
    1.3-15 ms at 1 M papers (the range reads the dates' column), and 70 of 81 tries made on
    the weaker bound of :func:`most_matches` fell short and searched again. Either way the
    page and the capped count are the same."""
    likely = likely_matches(searcher, words)
    if (
        count_cap is not None
        and searcher.num_docs
        and (likely is None or likely * TRY_RECENT_MARGIN / RECENT_SHARE >= count_cap)
    ):
        low, high = _span(index, searcher, "published")
        recent = published_within(index.schema, high - (high - low) // RECENT_SHARE, high)
        found = searcher.search(both(query, recent), depth, count=True, order_by_field="published")
        if len(found.hits) >= depth and count_of(found) >= count_cap:
            return found.hits, count_cap if count else 0
    found = searcher.search(query, depth, count=count, order_by_field="published")
    return found.hits, count_of(found) if count else 0
