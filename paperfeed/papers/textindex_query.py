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
- **Broad phrases start with the newest papers** (:mod:`.textindex_recent`, with the
  newest-first sort): a quoted phrase of common words walks the positions of every paper
  holding its words; when the newest eighth of the papers already holds the cap of matches,
  the page is their best, else every match is walked.
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
# Newest first tries the newest eighth when independence predicts at least half the cap there
# (1,000 distinct queries at 1 M: no try that would have filled the page was skipped).
TRY_RECENT_MARGIN = 2.0

Hits = list[tuple[float, tantivy.DocAddress]]
# The analysis of the "en_stem" tokenizer the text fields use (tantivy's own definition).
STEMMED = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)

# The same words before the long ones are dropped (to tell when a phrase would have a gap).
SPLIT = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()


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


def field_clauses(index: tantivy.Index, term: str) -> list[tantivy.Query] | None:
    """The clauses :func:`text_query` holds for ``term``, one per text field in the order of
    :data:`TEXT_FIELDS` (a term, or a phrase for a word the analysis splits, boosted as there),
    built directly; None when the analysis leaves no word."""
    stems: list[str | tuple[int, str]] = list(STEMMED.analyze(term))
    if not stems or len(stems) != len(SPLIT.analyze(term)):
        # A word over 40 letters inside it is dropped, and the parser's phrase keeps its gap.
        return None
    fields = index.schema
    clauses = []
    for field in TEXT_FIELDS:
        clause = (
            tantivy.Query.term_query(fields, field, str(stems[0]))
            if len(stems) == 1
            else tantivy.Query.phrase_query(fields, field, stems)
        )
        boost = BOOSTS[field]
        clauses.append(clause if boost == 1.0 else tantivy.Query.boost_query(clause, boost))
    return clauses


def title_led_query(
    index: tantivy.Index, *, terms: Sequence[str], author_terms: Sequence[Sequence[str]]
) -> tantivy.Query | None:
    """:func:`text_query` for the papers of :func:`title_query` (every term in the title),
    scoring each of them exactly as it does, at a fraction of the cost; None where it cannot.

    text_query joins a term's three fields in a union, and tantivy's union, when the papers
    of a smaller clause seek into it, reads the next 4,096 documents of every field at each
    seek: the title subset of a broad query read nearly all of each term's postings. Here the
    title is the required clause and the abstract and authors optional ones, seeked one paper
    at a time. Every paper ranked holds the term in its title, so each field's score is added
    in the union's order (title, abstract, authors) and the sum is the same to the last bit.
    With more than two clauses tantivy orders an intersection's sum by the clauses' sizes in
    each segment, which differ here (the title's postings against the largest field's), so
    those queries keep text_query."""
    clauses: list[tantivy.Query] = []
    for term in terms:
        pieces = field_clauses(index, term)
        if pieces is None:
            return None
        title, abstract, authors = pieces
        led = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, title), (tantivy.Occur.Should, abstract)]
        )
        clauses.append(
            tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, led), (tantivy.Occur.Should, authors)]
            )
        )
    clauses += [
        index.parse_query(f"author_names:{_quoted(author_key(word))}", ["author_names"])
        for words in author_terms
        for word in words
    ]
    if not clauses or len(clauses) > 2:
        return None
    if len(clauses) == 1:
        return clauses[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, clause) for clause in clauses])


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


def likely_matches(searcher: tantivy.Searcher, words: Sequence[str]) -> float | None:
    """About how many papers hold all of ``words`` (in any text field) if words fell on papers
    independently: an estimate from the term dictionaries alone (related words meet more
    often, so it runs low), never a count; None without words."""
    if not words:
        return None
    total = searcher.num_docs
    estimate = float(total)
    for word in words:
        for stem in STEMMED.analyze(word):
            found = sum(searcher.doc_freq(field, stem) for field in TEXT_FIELDS)
            estimate *= min(1.0, found / total) if total else 0.0
    return estimate


def published_within(
    schema: tantivy.Schema, first: int, last: int, *, last_included: bool = True
) -> tantivy.Query:
    """The papers published from ``first`` to ``last`` (timestamps), as a filter scored 0: a
    range query adds a score of its own, and not the same in every segment, so a filter alone
    could reorder the matches it keeps."""
    dates = tantivy.Query.range_query(
        schema, "published", tantivy.FieldType.Integer, first, last, True, last_included
    )
    return tantivy.Query.const_score_query(dates, 0.0)


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
    title_led: tantivy.Query | None = None,
    depth: int,
    count: bool,
    count_cap: int | None,
    terms: Sequence[str],
    words: Sequence[str],
) -> tuple[Hits, int]:
    """The best ``depth`` hits of ``query`` (words and filters) after the second pass, and
    the number of matches (exact below ``count_cap``, always exact when it is None; 0 when not
    ``count``). ``in_title`` selects a subset of its matches: every one of ``words`` (the
    terms and the phrases' words) in the title; ``title_led`` is ``query`` as
    :func:`title_led_query` builds it, for that subset (None: ``query`` serves)."""
    if (
        in_title is not None
        and count_cap is not None
        and depth <= RERANK_DEPTH
        and (most_matches(searcher, words, ["title"]) or 0) >= count_cap
        and _count(searcher, in_title) >= count_cap
    ):
        subset = both(in_title, query if title_led is None else title_led)
        found = searcher.search(subset, RERANK_DEPTH, count=False)
        return second_pass(index, searcher, found.hits, terms), count_cap if count else 0
    # The count rides on the ranking walk: without it the walk is the same (1 % cheaper), and
    # the binding's one unscored count (an aggregation) walks again at 83 % of it (S63).
    found = searcher.search(query, max(depth, RERANK_DEPTH), count=count)
    hits = found.hits
    top = second_pass(index, searcher, hits[:RERANK_DEPTH], terms) + hits[RERANK_DEPTH:]
    return top, count_of(found) if count else 0


def count_of(found: tantivy.SearchResult) -> int:
    # ``count`` is set when searched with count=True; the type stubs leave it out.
    return int(getattr(found, "count", 0) or 0)


def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    return count_of(searcher.search(query, 1, count=True))
