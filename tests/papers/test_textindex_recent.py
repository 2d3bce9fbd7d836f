"""Quoted phrases through the search engine: exactly the papers with the words adjacent and in
order (as the index reads words: case, punctuation and English endings aside), and broad
phrases of common words answered from the newest papers first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paperfeed.papers import querysyntax, search_selectors, textindex, textindex_build
from paperfeed.papers.models import Paper
from paperfeed.papers.textindex_query import STEMMED
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db

PAPERS = {
    # arXiv id: (title, abstract)
    "2602.00001": ("Large language models for code", "We study them."),
    "2602.00002": ("Code generation", "We study large, language-models in this paper."),
    "2602.00003": ("Models of large language", "Reversed: no phrase here."),
    "2602.00004": ("Agents", "Large and language models are not adjacent."),
    "2602.00005": ("Scaling large language", "Models split across the title and abstract."),
    "2602.00006": ("A large language model", "In this paper, we propose a new method."),
    "2602.00007": ("Paper reviews", "In this, paper is a word; this paper in order."),
    "2602.00008": (
        "The results show that our method works",
        "Elsewhere the results show that our approach fails.",
    ),
}


def _analysed(text: str) -> list[str]:
    return STEMMED.analyze(text)


def reference(phrase: str) -> set[str]:
    """The papers whose title or abstract holds the phrase's words adjacent and in order."""
    words = _analysed(phrase)
    found = set()
    for arxiv_id, texts in PAPERS.items():
        for text in texts:
            tokens = _analysed(text)
            if any(
                tokens[i : i + len(words)] == words for i in range(len(tokens) - len(words) + 1)
            ):
                found.add(arxiv_id)
    return found


@pytest.fixture
def index(settings, tmp_path):
    settings.PAPERFEED_SEARCH_ENGINE = "tantivy"
    settings.PAPERFEED_SEARCH_INDEX_DIR = str(tmp_path / "search")
    settings.PAPERFEED_SEARCH_CACHE_SECONDS = 0
    for arxiv_id, (title, abstract) in PAPERS.items():
        catalogue_paper(arxiv_id, title=title, abstract=abstract, authors=("Ada Lovelace",))
    textindex_build.textindex_rebuild()
    built = textindex.engine_index()
    assert built is not None
    return built


def _found(index, phrase: str, **options) -> tuple[set[str], int]:
    words = querysyntax.words_of(phrase)
    ids, total = textindex.search(index, phrases=[words], limit=50, **options)
    return set(Paper.objects.filter(pk__in=ids).values_list("arxiv_id", flat=True)), total


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("large language models", {"2602.00001", "2602.00002", "2602.00006"}),
        ("in this paper", {"2602.00002", "2602.00006", "2602.00007"}),
        ("language-models", {"2602.00001", "2602.00002", "2602.00006"}),
        ("models", {"2602.00001", "2602.00002", "2602.00003", "2602.00004", "2602.00005"}),
        ("the results show that our method", {"2602.00008"}),
        ("this paper in order", {"2602.00007"}),
        ("we propose a", {"2602.00006"}),
        ("model large", set()),
    ],
)
def test_a_phrase_matches_exactly_the_papers_with_its_words_adjacent_and_in_order(
    index, phrase, expected
):
    # The reference reads the analysed words of each title and abstract on its own: across
    # the two, reversed, or apart, the words are no phrase. (A paper whose only "models" is
    # the singular "model" matches the one-word phrase too: the index reads English endings.)
    assert reference(phrase) >= expected
    for cap in (None, 10_100):
        found, total = _found(index, phrase, count_cap=cap)
        assert found == reference(phrase) and total == len(found), (phrase, cap)


def test_phrases_on_the_search_page_and_hostile_quotes_give_a_page(index, client):
    result = search_selectors.search_papers(query='"in this paper"', mode="keyword")
    assert {row.paper.arxiv_id for row in result.papers} == reference("in this paper")
    assert result.total == 3
    for query in (
        '"in this paper',
        '"in" "this" "paper"',
        '"AND OR NOT"',
        '"title:large abstract:models"',
        '"(" ")" "*" "~2" "^3"',
        '"large language models"~5',
        '"in this paper" OR -models',
        '"' + " ".join(["large"] * 40) + '"',
        '"\u202eevil\u202c" "😀 🚀"',
        '"x' + "y" * 5_000 + '"',
    ):
        assert client.get("/search", {"q": query}).status_code == 200, query
        assert client.get("/api/papers/search", {"q": query[:250]}).status_code == 200, query


def test_a_broad_phrase_is_answered_from_the_newest_papers_when_they_reach_the_cap(
    settings, tmp_path
):
    # 40 papers a year apart with the phrase (1990-2029), 24 more with its words apart
    # (2006-2029): the newest eighth of the 64 papers (2026-2029) holds four matches.
    settings.PAPERFEED_SEARCH_ENGINE = "tantivy"
    settings.PAPERFEED_SEARCH_INDEX_DIR = str(tmp_path / "search")
    for n in range(40):
        catalogue_paper(
            f"2602.{n:05d}",
            title=f"Study {n}",
            # Abstracts of different lengths: every match scores differently.
            abstract="In this paper we measure" + " more" * n + ".",
            published=datetime(1990 + n, 6, 1, tzinfo=UTC),
        )
    for n in range(24):
        catalogue_paper(
            f"2603.{n:05d}",
            title=f"Survey {n}",
            abstract="This is in the paper, not this one.",
            published=datetime(2006 + n, 7, 1, tzinfo=UTC),
        )
    textindex_build.textindex_rebuild()
    index = textindex.engine_index()
    assert index is not None
    phrase = [["in", "this", "paper"]]
    recent, capped = textindex.search(index, phrases=phrase, count_cap=3, limit=10)
    years = sorted(Paper.objects.filter(pk__in=recent).values_list("published__year", flat=True))
    assert capped == 3, "the newest eighth alone reaches the cap"
    assert years == [2026, 2027, 2028, 2029], "every match among the newest, and only them"
    merged, total = textindex.search(index, phrases=phrase, count_cap=6, limit=50)
    assert total == 40 and len(merged) == 40, "four < six: every match walked, counted"
    assert (merged, total) == textindex.search(index, phrases=phrase, count_cap=None, limit=50)
    assert merged[:5] == textindex.search(index, phrases=phrase, count_cap=6, limit=5)[0]
    assert set(recent) <= set(merged)
    deep = textindex.search(index, phrases=phrase, count_cap=3, limit=10, offset=195)
    assert deep == ([], 40), "past the second pass's depth every match is ranked"
