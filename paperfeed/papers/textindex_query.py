"""How the search engine (:mod:`.textindex`) answers one query without scoring every match.

tantivy's Python binding always collects through a multi-collector, so its top-k never prunes:
every match of a query is visited and scored. A broad query (hundreds of thousands of matches
at 1 M papers) was costly three times over: BM25 for every match, the proximity phrases'
positions for every match, and the count. Here:

- **Proximity is a second pass** over the best :data:`RERANK_DEPTH` by BM25 alone, searched
  among those papers only (:func:`second_pass`); the stub weight is applied there too.
- **Counts stop at the cap** where that saves walking every match: when the papers holding
  every query word in their title (a subset of the matches, counted from the title's short
  postings alone) already reach it, the page says "10,000+" and the first pass ranks those
  papers only (a title match weighs three times an abstract match: the best of so broad a
  query are among them). Newest first, the newest eighth of the publication dates is read
  first, and is enough when it fills the page and reaches the cap. Otherwise every match is
  walked once, ranked and counted exactly.
- **Broad phrases start with the newest papers** (:func:`broad_phrases`): a quoted phrase of
  common words walks the positions of every paper holding its words; when the newest eighth
  of the papers already holds the cap of matches, the page is their best, else every match
  is walked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tantivy

from paperfeed.papers.merge import author_key

TEXT_FIELDS = ("title", "abstract", "authors")
# Field boosts: a word in the title says more about a paper than the same word in its abstract.
BOOSTS = {"title": 3.0, "abstract": 1.0, "authors": 1.0}
# Query words found close together, in the order typed, add to the score (phrase proximity).
PROXIMITY_SLOP = {"title": 3, "abstract": 6}
PROXIMITY_BOOST = 1.5
# How many of the first pass's best get the second pass (proximity and stub weight): its
# cost grows with it (about 5 microseconds a paper and phrase at 1 M papers); at 100, 53 of
# 1,064 first pages differed from one query with its phrase clauses, at 200, 15.
RERANK_DEPTH = 200
# Newest first: the share of the publication dates' range read before all of it.
RECENT_SHARE = 8

Hits = list[tuple[float, tantivy.DocAddress]]
# The analysis of the "en_stem" tokenizer the text fields use (tantivy's own definition).
STEMMED = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)


def _quoted(word: str) -> str:
    # The query parser reads a double-quoted string as one term or phrase of that field's
    # analysis; words (paperfeed.papers.querysyntax.WORD) hold no quote or backslash.
    return '"' + word.replace("\\", " ").replace('"', " ") + '"'


def text_query(
    index: tantivy.Index,
    *,
    terms: Sequence[str],
    phrases: Sequence[Sequence[str]],
    author_terms: Sequence[Sequence[str]],
) -> tantivy.Query:
    """Every term and phrase in the title, abstract or authors, every author word in the author
    names (scored by BM25; proximity is :func:`proximity_queries`)."""
    parts = [f"+{_quoted(term)}" for term in terms]
    parts += [f"+{_quoted(' '.join(phrase))}" for phrase in phrases if phrase]
    parts += [
        f"+author_names:{_quoted(author_key(word))}" for words in author_terms for word in words
    ]
    return index.parse_query(" ".join(parts), list(BOOSTS), BOOSTS)


def title_query(
    index: tantivy.Index,
    *,
    terms: Sequence[str],
    phrases: Sequence[Sequence[str]],
    author_terms: Sequence[Sequence[str]],
) -> tantivy.Query | None:
    """Every term in the title, every author word in the author names (unscored): a subset of
    :func:`text_query`'s matches. None without terms, or with phrases: ranking the subset
    seeks the query in each of its papers, and tantivy's union of a phrase's three fields
    refills a window of positions at every seek (2.7 M papers: "language models" in quotes
    220 -> 266 ms)."""
    if not terms or any(phrases):
        return None
    parts = [f"+title:{_quoted(term)}" for term in terms]
    parts += [
        f"+author_names:{_quoted(author_key(word))}" for words in author_terms for word in words
    ]
    return tantivy.Query.const_score_query(index.parse_query(" ".join(parts), ["title"]), 0.0)


def proximity_queries(index: tantivy.Index, terms: Sequence[str]) -> list[tantivy.Query]:
    """One sloppy phrase per field: the terms close together, in the order typed, in the title
    or the abstract (none for fewer than two terms)."""
    if len(terms) < 2:
        return []
    together = _quoted(" ".join(terms))
    return [
        index.parse_query(f"{field}:{together}~{slop}^{PROXIMITY_BOOST}", list(BOOSTS), BOOSTS)
        for field, slop in PROXIMITY_SLOP.items()
    ]


def most_matches(
    searcher: tantivy.Searcher, words: Sequence[str], fields: Sequence[str]
) -> int | None:
    """At most how many papers hold every one of ``words`` in one of ``fields`` (the rarest
    word's document frequencies, summed over the fields), from the term dictionaries alone;
    None without words."""
    bound = None
    for word in words:
        for stem in STEMMED.analyze(word):
            found = sum(searcher.doc_freq(field, stem) for field in fields)
            bound = found if bound is None else min(bound, found)
    return bound


def both(*queries: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query) for query in queries])


def _key(address: tantivy.DocAddress) -> tuple[int, int]:
    return address.segment_ord, address.doc


def second_pass(
    index: tantivy.Index, searcher: tantivy.Searcher, hits: Hits, terms: Sequence[str]
) -> Hits:
    """The first pass's best ``hits`` (BM25 alone) re-scored as one query with optional phrase
    clauses and ``weight_by_field`` would score them (tantivy adds the scores of a boolean
    query's clauses, then multiplies by log2(2 + weight)), best first. Each proximity phrase is
    searched among these papers alone, so only their positions are read; the weight is read
    for them alone too (scaling every match by it was a fifth of a broad query's time)."""
    if not hits:
        return hits  # (and tantivy panics on a search for no hits)
    addresses = [address for _, address in hits]
    extra: dict[tuple[int, int], float] = {}
    phrases = proximity_queries(index, terms)
    if phrases:
        fields = index.schema
        # A plain union of single-id terms: tantivy's term-set query on an integer field cost
        # 5x more to build and seek for a few hundred ids.
        among = tantivy.Query.const_score_query(
            tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, tantivy.Query.term_query(fields, "id", int(pk)))
                    for pk in searcher.fast_field_values("id", addresses)
                    if pk is not None
                ]
            ),
            0.0,
        )
        for phrase in phrases:
            for score, address in searcher.search(both(among, phrase), len(hits), count=False).hits:
                extra[_key(address)] = extra.get(_key(address), 0.0) + float(score)
    weights = searcher.fast_field_values("weight", addresses)
    rescored = [
        (
            math.log2(2.0 + max(0.0, float(weight or 0.0)))
            * (float(score) + extra.get(_key(address), 0.0)),
            address,
        )
        for (score, address), weight in zip(hits, weights, strict=True)
    ]
    # Stable: equal scores keep the first pass's order.
    rescored.sort(key=lambda hit: -hit[0])
    return rescored


def best(
    index: tantivy.Index,
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    *,
    in_title: tantivy.Query | None,
    depth: int,
    count: bool,
    count_cap: int | None,
    terms: Sequence[str],
    words: Sequence[str],
    phrases: Sequence[Sequence[str]] = (),
) -> tuple[Hits, int]:
    """The best ``depth`` hits of ``query`` (words and filters) after the second pass, and
    the number of matches (exact below ``count_cap``, always exact when it is None; 0 when not
    ``count``). ``in_title`` selects a subset of its matches: every one of ``words`` (the
    terms and the phrases' words) in the title."""
    broad = broad_phrases(
        index, searcher, query, phrases=phrases, words=words, depth=depth, count_cap=count_cap
    )
    if broad is not None:
        return second_pass(index, searcher, broad[0], terms), broad[1] if count else 0
    if (
        in_title is not None
        and count_cap is not None
        and depth <= RERANK_DEPTH
        and (most_matches(searcher, words, ["title"]) or 0) >= count_cap
        and _count(searcher, in_title) >= count_cap
    ):
        found = searcher.search(both(in_title, query), RERANK_DEPTH, count=False)
        return second_pass(index, searcher, found.hits, terms), count_cap if count else 0
    found = searcher.search(query, max(depth, RERANK_DEPTH), count=count)
    hits = found.hits
    top = second_pass(index, searcher, hits[:RERANK_DEPTH], terms) + hits[RERANK_DEPTH:]
    return top, int(getattr(found, "count", 0) or 0) if count else 0


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
    dates = tantivy.Query.range_query(
        index.schema,
        "published",
        tantivy.FieldType.Integer,
        _newest_share_start(index, searcher),
        _span(index, searcher, "published")[1],
        True,
        True,
    )
    # Scored 0: a range query adds a score of its own (1.0, and not in every segment alike),
    # which would move the stub weight's product.
    recent = searcher.search(
        both(query, tantivy.Query.const_score_query(dates, 0.0)), RERANK_DEPTH, count=True
    )
    # Else one walk of every match. (Walking the older papers alone and merging cost as much
    # and more: the phrase leads that walk, and the dates are only checked after it.)
    return (recent.hits, count_cap) if _count_of(recent) >= count_cap else None


_spans: dict[tuple[int, int, int, str], tuple[int, int]] = {}
_shares: dict[tuple[int, int, int], int] = {}


def _newest_share_start(index: tantivy.Index, searcher: tantivy.Searcher) -> int:
    """The publication date from which the newest 1/:data:`RECENT_SHARE` of the papers
    start (read once per index generation, as :func:`_span`)."""
    key = (id(index), searcher.num_docs, searcher.num_segments)
    if key not in _shares:
        percent = 100.0 * (1 - 1 / RECENT_SHARE)
        found = searcher.aggregate(
            tantivy.Query.all_query(),
            {"share": {"percentiles": {"field": "published", "percents": [percent]}}},
        )
        if len(_shares) > 8:
            _shares.clear()
        _shares[key] = int(next(iter(found["share"]["values"].values())) or 0)
    return _shares[key]


def _span(index: tantivy.Index, searcher: tantivy.Searcher, field: str) -> tuple[int, int]:
    """The lowest and highest value of an integer fast field in the index (read once per
    index generation: a commit changes the number of documents or segments)."""
    key = (id(index), searcher.num_docs, searcher.num_segments, field)
    if key not in _spans:
        found = searcher.aggregate(
            tantivy.Query.all_query(),
            {"lo": {"min": {"field": field}}, "hi": {"max": {"field": field}}},
        )
        if len(_spans) > 8:
            _spans.clear()
        _spans[key] = (int(found["lo"]["value"] or 0), int(found["hi"]["value"] or 0))
    return _spans[key]


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
    are the newest of all, and when its matches reach the cap, so do all of them. Not tried
    when the term dictionaries show that ``words`` cannot reach the cap."""
    bound = most_matches(searcher, words, TEXT_FIELDS)
    if count_cap is not None and searcher.num_docs and (bound is None or bound >= count_cap):
        low, high = _span(index, searcher, "published")
        recent = tantivy.Query.range_query(
            index.schema,
            "published",
            tantivy.FieldType.Integer,
            high - (high - low) // RECENT_SHARE,
            high,
            True,
            True,
        )
        found = searcher.search(both(query, recent), depth, count=True, order_by_field="published")
        if len(found.hits) >= depth and _count_of(found) >= count_cap:
            return found.hits, count_cap if count else 0
    found = searcher.search(query, depth, count=count, order_by_field="published")
    return found.hits, _count_of(found) if count else 0


def _count_of(found: tantivy.SearchResult) -> int:
    # ``count`` is set when searched with count=True; the type stubs leave it out.
    return int(getattr(found, "count", 0) or 0)


def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    return _count_of(searcher.search(query, 1, count=True))
