from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperfeed.papers import search_selectors
from paperfeed.papers.models import Paper
from tests.factories import catalogue_paper
from tests.helpers import prepared_statements


@pytest.fixture(autouse=True)
def _database_copy(settings):
    # These tests search with no index built, so the database's full-text copy answers: with
    # the tantivy engine (the default) "auto" would not write it (the default's own tests are
    # in test_search_fallback.py).
    settings.PAPERFEED_SEARCH_DATABASE_COPY = True


HOSTILE = [
    '"',
    '""',
    "*",
    "NEAR(",
    "NEAR(a b, 3)",
    "AND OR",
    "AND",
    "-",
    "^",
    "title:",
    "authors:foo",
    '"unterminated phrase',
    "a OR b NOT c",
    "\x00\x01\x1b[31m",
    "\u202eevil\u202c",
    "مرحبا بالعالم",
    "😀🚀",
    "x" * 10_000,
    "author:",
    'author:"',
    "cat:",
    "cat:<script>",
    "year:",
    "year:99999",
    "year:2026-2020",
    "sort:date",
    "{col}: x",
    "'; DROP TABLE papers_paper; --",
    "a" * 3 + " " + "b " * 200,
]


def two_papers() -> None:
    """Two papers that differ in words, authors, category and year: the ranking and filter
    tests of both engines (tests/papers/test_textindex.py) search them."""
    catalogue_paper(
        "2602.00101",
        title="Diffusion transformers for images",
        abstract="We scale diffusion models.",
        authors=("Yann LeCun", "Ada Lovelace"),
        categories=("cs.CV",),
        published=datetime(2025, 5, 1, tzinfo=UTC),
    )
    catalogue_paper(
        "2602.00102",
        title="Language models",
        abstract="Large language models can do diffusion too.",
        authors=("Alan Turing", "Baptiste Rozière"),
        categories=("cs.CL",),
        published=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.django_db
def test_search_ranks_filters_and_highlights():
    two_papers()
    result = search_selectors.search_papers(query="diffusion", limit=10, offset=0, sort="relevance")
    assert [p.paper.arxiv_id for p in result.papers] == ["2602.00101", "2602.00102"]
    assert result.total == 2
    assert "<mark>Diffusion</mark>" in result.papers[0].title_html

    by_date = search_selectors.search_papers(query="diffusion", limit=10, offset=0, sort="date")
    assert [p.paper.arxiv_id for p in by_date.papers] == ["2602.00102", "2602.00101"]

    def ids(query):
        return [p.paper.arxiv_id for p in search_selectors.search_papers(query=query).papers]

    assert ids("diffusion author:lecun") == ["2602.00101"]
    assert ids('author:"alan turing"') == ["2602.00102"]
    assert ids("diffusion cat:cs.CL") == ["2602.00102"]
    assert ids("diffusion year:2025") == ["2602.00101"]
    assert ids('"language models"') == ["2602.00102"]
    assert ids('"models language"') == []
    assert ids("cat:cs.CV") == ["2602.00101"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE)
def test_any_query_is_safe(query):
    catalogue_paper("2602.00111", title="NEAR and AND or OR", abstract="a b c")
    result = search_selectors.search_papers(query=query, limit=20, offset=0, sort="relevance")
    # Either no match or the one paper, counted right; never an error.
    assert [p.paper.arxiv_id for p in result.papers] in ([], ["2602.00111"])
    assert result.total == len(result.papers)
    assert isinstance(result.message, str)


@pytest.mark.django_db
def test_operator_words_are_searched_as_words():
    catalogue_paper("2602.00121", title="NEAR and AND or OR", abstract="plain")
    result = search_selectors.search_papers(query="NEAR( AND OR")
    assert [p.paper.arxiv_id for p in result.papers] == ["2602.00121"]


@pytest.mark.django_db
def test_search_results_are_remembered_until_the_catalogue_changes():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from paperfeed.papers.services import paper_hide
    from tests.factories import UserFactory

    catalogue_paper("2601.00001", title="Sparse attention for long documents")
    first = search_selectors.search_papers(query="sparse attention")
    assert [p.paper.arxiv_id for p in first.papers] == ["2601.00001"]

    # The same search again ranks nothing: its ids come from the cache.
    with CaptureQueriesContext(connection) as queries:
        again = search_selectors.search_papers(query="sparse attention")
    assert [p.paper.arxiv_id for p in again.papers] == ["2601.00001"]
    assert not [q for q in queries.captured_queries if "papers_fts" in q["sql"]]

    # An import shows at once: it bumps the catalogue version in its own transaction.
    catalogue_paper("2601.00002", title="Sparse attention in vision transformers")
    after_import = search_selectors.search_papers(query="sparse attention")
    assert {p.paper.arxiv_id for p in after_import.papers} == {"2601.00001", "2601.00002"}
    assert after_import.total == 2

    # Hiding a paper too, total included (the total is part of what is remembered).
    curator = UserFactory(is_staff=True, is_superuser=True)
    paper_hide(curator=curator, paper=after_import.papers[0].paper, hidden=True)
    after_hide = search_selectors.search_papers(query="sparse attention")
    assert after_hide.total == 1 and len(after_hide.papers) == 1


@pytest.mark.django_db
def test_search_cache_can_be_turned_off(settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAPERFEED_SEARCH_CACHE_SECONDS = 0
    catalogue_paper("2601.00003", title="Graph rewiring")
    assert search_selectors.search_papers(query="rewiring").total == 1
    with CaptureQueriesContext(connection) as queries:
        assert search_selectors.search_papers(query="rewiring").total == 1
    assert [q for q in queries.captured_queries if "papers_fts" in q["sql"]]


@pytest.mark.django_db
def test_a_query_that_is_one_id_finds_that_paper_alone():
    catalogue_paper("2603.04379", title="Quiet title", abstract="Nothing about links.")
    # Its words match every part of the URL: a word search would rank it first.
    catalogue_paper("2603.00001", title="https arxiv org abs pdf", abstract="https arxiv org")
    for query in ("2603.04379", "https://arxiv.org/pdf/2603.04379v2.pdf", "arXiv:2603.04379"):
        result = search_selectors.search_papers(query=query)
        assert [p.paper.arxiv_id for p in result.papers] == ["2603.04379"]
        assert result.total == 1
        assert result.papers[0].title_html == "Quiet title"
    assert search_selectors.search_papers(query="2603.04379", offset=20).papers == []
    missing = search_selectors.search_papers(query="2501.00042v1", mode="hybrid")
    assert missing.papers == [] and missing.total == 0
    assert "arXiv:2501.00042 is not in this catalogue" in missing.message
    Paper.objects.filter(arxiv_id="2603.04379").update(hidden=True)
    assert search_selectors.search_papers(query="2603.04379").papers == []


@pytest.mark.django_db
def test_a_found_id_is_read_as_every_search_row_in_its_queries(django_assert_num_queries):
    from django.db import connection

    from paperfeed.papers.querysyntax import highlight
    from paperfeed.papers.row_selectors import papers_by_ids

    paper = catalogue_paper(
        "2603.04380",
        title="Sparse $x^2$ attention",
        authors=("Ada Lovelace", "Alan Turing"),
        categories=("cs.LG", "cs.CL"),
        featured_on=date(2026, 3, 5),
        featured_upvotes=7,
    )
    expected = papers_by_ids(ids=[paper.pk])[0]
    for card_only in (False, True):
        # The id's look-up, then the rows' (the paper with its thumbnail and glance; on SQLite
        # its authors, categories and featured facts in a second): the ORM's paper and its
        # parts took four.
        with django_assert_num_queries(2 if connection.vendor == "postgresql" else 3):
            result = search_selectors.search_papers(query="2603.04380", card_only=card_only)
        (row,) = result.papers
        assert row.paper.pk == paper.pk and result.total == 1
        assert (row.authors, row.categories) == (
            ["Ada Lovelace", "Alan Turing"],
            ["cs.LG", "cs.CL"],
        )
        assert (row.source_upvotes, row.featured_day) == (7, date(2026, 3, 5))
        assert row.author_ids == expected.author_ids
        # The title's maths typeset, nothing marked: an id has no words.
        assert row.title_html == highlight("Sparse $x^2$ attention", [])
        assert "<mark>" not in row.title_html and "$" not in row.title_html
        assert row.snippet_html == "An abstract."


@pytest.mark.django_db
def test_stubs_rank_below_complete_papers_of_equal_relevance():
    from tests.papers.test_selectors import stub

    complete = catalogue_paper(
        "2602.00001",
        title="Contrastive tokenizers",
        abstract="A complete record from arXiv, with authors, dates and more words than a title.",
        published=datetime(2026, 2, 2, tzinfo=UTC),
    )
    only_featured = stub(
        "2602.00002", title="Contrastive tokenizers", day=date(2026, 2, 20), categories=["cs.CL"]
    )
    # Both paths of the ranked search: inside the FTS index alone, and joined to the papers
    # (a filter on paper columns); both engines (run this file with DATABASE_URL for PostgreSQL).
    for query in (
        "contrastive tokenizers",
        "contrastive tokenizers cat:cs.CL",
        "tokenizers year:2026",
    ):
        found = [
            p.paper.pk for p in search_selectors.search_papers(query=query, mode="keyword").papers
        ]
        assert found == [complete.pk, only_featured.pk], query
    # A stub that matches clearly better (in its title, against another paper's abstract)
    # still comes first: the penalty only breaks near ties.
    in_abstract = catalogue_paper(
        "2602.00004", title="Another paper", abstract="It mentions quantisation once."
    )
    better = stub("2602.00003", title="Quantisation", day=date(2026, 2, 21))
    found = [
        p.paper.pk
        for p in search_selectors.search_papers(query="quantisation", mode="keyword").papers
    ]
    assert found == [better.pk, in_abstract.pk]


@pytest.mark.django_db
def test_a_query_with_no_hits_gets_a_corrected_second_try():
    catalogue_paper("2602.00301", title="Diffusion transformers for images", abstract="Scaling.")
    catalogue_paper("2602.00302", title="Graph networks", abstract="Message passing.")
    result = search_selectors.search_papers(query="difusion transformrs year:2020-2030")
    assert result.suggestion == "diffusion transformers year:2020-2030"
    assert [row.paper.arxiv_id for row in result.papers] == ["2602.00301"]
    assert result.total == 1 and "<mark>" in result.papers[0].title_html
    # A query that matches as typed is never second-guessed; nonsense gets no suggestion.
    assert search_selectors.search_papers(query="graph").suggestion == ""
    nothing = search_selectors.search_papers(query="qqqqzzzz")
    assert nothing.total == 0 and nothing.suggestion == ""


@pytest.mark.django_db
def test_the_search_page_says_did_you_mean(client):
    catalogue_paper("2602.00301", title="Diffusion transformers for images", abstract="Scaling.")
    html = client.get("/search", {"q": "difusion"}).content.decode()
    assert "Did you mean" in html and "q=diffusion" in html and "2602.00301" in html


@pytest.mark.django_db
def test_the_hidden_ids_every_search_asks_are_a_prepared_statement_on_postgresql():
    """Each search reads the hidden papers' ids before the engine runs; on PostgreSQL as a
    statement prepared once per connection, with the same ids."""
    from django.db import connection

    from paperfeed.papers import search

    shown, hidden = catalogue_paper("2602.00701"), catalogue_paper("2602.00702")
    Paper.objects.filter(pk=hidden.pk).update(hidden=True)
    assert search.hidden_ids() == [hidden.pk]
    assert shown.pk not in search.hidden_ids()
    if connection.vendor == "postgresql":
        assert prepared_statements("SELECT id FROM papers_paper WHERE hidden%") == 1
