"""How many papers hold each word, read from the search engine's term dictionaries: the
frequencies "did you mean" ranks candidate spellings by (:mod:`paperfeed.papers.spelling`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import tantivy

from paperfeed.papers import textindex_query

# Stem frequencies: the lengths of the shared starts, and how many stems must share one to walk
# the term dictionary under it (see stem_frequencies).
PREFIXES = (4, 3)
PREFIX_GROUP = 24


def word_frequencies(index: tantivy.Index, words: Iterable[str]) -> dict[str, int]:
    """About how many papers hold each word in their title or abstract, as the search reads
    it (stemmed: a word is known when a query for it finds papers): the larger of the two
    fields' document frequencies, enough to rank spellings; absent ones left out. Term
    dictionary look-ups only (a separate unstemmed field for this was a third of a build)."""
    searcher = index.searcher()
    words = list(words)
    # One analysis for all plain words ("did you mean" asks about hundreds of candidate
    # spellings at once): each is one token, so the stems come back in the same order.
    plain = [word for word in words if word.isascii() and word.isalnum() and len(word) <= 40]
    stems = dict(zip(plain, textindex_query.STEMMED.analyze(" ".join(plain)), strict=True))
    for word in words:
        if word not in stems and len(analysed := textindex_query.STEMMED.analyze(word)) == 1:
            stems[word] = analysed[0]
    counts = stem_frequencies(searcher, stems.values(), ("title", "abstract"))
    return {word: counts[stems[word]] for word in words if counts.get(stems.get(word, ""), 0)}


def stem_frequencies(
    searcher: tantivy.Searcher, stems: Iterable[str], fields: Sequence[str]
) -> dict[str, int]:
    """The largest document frequency of each stem among ``fields`` (0 when absent).

    "Did you mean" asks about ~500 one-letter edits of each unknown word, most of which share
    its first letters: the stems that many share a start with are read in one walk of the
    term dictionary per field (a few dozen terms, 0.1-0.5 ms at 1 M papers) instead of one
    look-up each (~2 microseconds a stem and field); the other stems are looked up one by
    one. Longer starts first (fewer terms under them), then shorter ones for the rest."""
    wanted = set(stems)
    counts: dict[str, int] = {}
    for length in PREFIXES:
        starts: dict[str, list[str]] = {}
        for stem in wanted:
            if len(stem) >= length:
                starts.setdefault(stem[:length], []).append(stem)
        for start, sharing in starts.items():
            if len(sharing) < PREFIX_GROUP:
                continue
            # More terms than this under one start (a common one): look the stems up instead.
            limit = len(sharing) * 4
            found = [searcher.terms_with_prefix(field, start, limit=limit + 1) for field in fields]
            if any(len(terms) > limit for terms in found):
                continue
            listed: dict[str, int] = {}
            for terms in found:
                for term, count in terms:
                    listed[term] = max(listed.get(term, 0), count)
            for stem in sharing:
                counts[stem] = listed.get(stem, 0)
            wanted.difference_update(sharing)
    for stem in wanted:
        counts[stem] = max(searcher.doc_freq(field, stem) for field in fields)
    return counts
