"""The tantivy search engine, driven through the search selectors as pages and the API use it
(run with DATABASE_URL for PostgreSQL). Each test has its own index directory."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import tantivy

from paperfeed.papers import (
    search_fallback,
    search_selectors,
    textindex,
    textindex_build,
    textindex_query,
)
from paperfeed.papers.models import Paper
from tests.factories import catalogue_paper
from tests.papers.test_search_selectors import HOSTILE, two_papers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _engine(settings, tmp_path):
    settings.PAPERFEED_SEARCH_ENGINE = "tantivy"
    settings.PAPERFEED_SEARCH_INDEX_DIR = str(tmp_path / "search")
    settings.PAPERFEED_SEARCH_CACHE_SECONDS = 0
    # "Without an index the database answers": its full-text copy must be written for that.
    settings.PAPERFEED_SEARCH_DATABASE_COPY = True


def ids(query: str, **options) -> list[str]:
    result = search_selectors.search_papers(query=query, mode="keyword", **options)
    return [row.paper.arxiv_id for row in result.papers]


def test_without_an_index_the_database_answers_and_with_one_the_index_does():
    two_papers()
    assert textindex.engine_index() is None
    assert ids("diffusion") == ["2602.00101", "2602.00102"]
    report = textindex_build.textindex_rebuild()
    assert report.full and report.papers == 2
    assert textindex.engine_index() is not None
    # Proof that the index answers: a paper the index lacks is not found until an update.
    catalogue_paper("2602.00103", title="Diffusion for audio", abstract="Sound.")
    assert ids("diffusion audio") == []
    assert textindex_build.textindex_update().papers >= 1
    assert ids("diffusion audio") == ["2602.00103"]


def test_ranking_filters_sorting_and_highlighting_through_the_index():
    two_papers()
    textindex_build.textindex_rebuild()
    result = search_selectors.search_papers(query="diffusion", mode="keyword")
    assert [row.paper.arxiv_id for row in result.papers] == ["2602.00101", "2602.00102"]
    assert result.total == 2 and "<mark>Diffusion</mark>" in result.papers[0].title_html
    assert ids("diffusion", sort="date") == ["2602.00102", "2602.00101"]
    assert ids("diffusion author:lecun") == ["2602.00101"]
    assert ids('author:"alan turing"') == ["2602.00102"]
    assert ids("author:roziere") == ids("author:rozière") == ["2602.00102"]
    assert ids("diffusion cat:cs.CL") == ["2602.00102"]
    assert ids("diffusion year:2025") == ["2602.00101"]
    assert ids("diffusion year:2026-2027") == ["2602.00102"]
    assert ids('"language models"') == ["2602.00102"]
    assert ids('"models language"') == []
    assert ids("cat:cs.CV") == ["2602.00101"]
    assert ids("year:2020-2030") == ["2602.00102", "2602.00101"]
    assert ids("turing") == ["2602.00102"], "plain words match author names too"


def test_title_matches_weigh_more_and_words_close_together_count():
    catalogue_paper("2602.00201", title="A survey", abstract="Graph neural networks " * 3)
    catalogue_paper("2602.00202", title="Graph neural networks", abstract="A survey.")
    catalogue_paper(
        "2602.00203",
        title="Networks of graph neural cells",
        abstract="Neural graph networks, shuffled.",
    )
    textindex_build.textindex_rebuild()
    assert ids("graph neural networks") == ["2602.00202", "2602.00203", "2602.00201"]


@pytest.mark.parametrize("near_first", [True, False])
def test_words_together_in_a_title_rank_above_the_same_words_far_apart(near_first):
    # Same words, same title length, same abstract: only the distance between the words
    # differs, so without the proximity boost the two would tie (and tie by insertion order,
    # which the parametrisation turns both ways).
    near = ("2602.00301", "Protein folding with learned energy landscapes today")
    far = ("2602.00302", "Protein structure with learned energy landscapes folding")
    for arxiv_id, title in (near, far) if near_first else (far, near):
        catalogue_paper(arxiv_id, title=title, abstract="A study.")
    textindex_build.textindex_rebuild()
    assert ids("protein folding") == [near[0], far[0]]
    assert ids("folding protein") == [near[0], far[0]], "sloppy phrase: either order is near"


def test_proximity_reranks_the_best_hits_and_pages_stay_consistent(monkeypatch):
    # With a re-ranking depth of 4, the paper whose words sit together comes first among the
    # best four by BM25; pages past the depth keep BM25's order; no paper shows twice.
    monkeypatch.setattr(textindex_query, "RERANK_DEPTH", 4)
    for n in range(9):
        catalogue_paper(f"2602.{n:05d}", title=f"Sparse models of attention {n}", abstract="x")
    catalogue_paper("2602.00099", title="Sparse attention models 9", abstract="x")
    textindex_build.textindex_rebuild()
    first = search_selectors.search_papers(query="sparse attention", limit=3)
    assert first.total == 10 and first.papers[0].paper.arxiv_id == "2602.00099"
    seen = [r.paper.arxiv_id for r in first.papers]
    for offset in (3, 6, 9):
        page = search_selectors.search_papers(query="sparse attention", limit=3, offset=offset)
        assert page.total == 10
        seen += [r.paper.arxiv_id for r in page.papers]
    assert sorted(seen) == sorted({*seen}) and len(seen) == 10


def test_hidden_papers_leave_at_once_and_stubs_rank_below_complete_papers():
    from tests.papers.test_selectors import stub

    complete = catalogue_paper(
        "2602.00001",
        title="Contrastive tokenizers",
        abstract="A complete record from arXiv, with more words than a title.",
        published=datetime(2026, 2, 2, tzinfo=UTC),
    )
    only_featured = stub(
        "2602.00002", title="Contrastive tokenizers", day=date(2026, 2, 20), categories=["cs.CL"]
    )
    textindex_build.textindex_rebuild()
    for query in ("contrastive tokenizers", "tokenizers cat:cs.CL", "tokenizers year:2026"):
        found = [p.paper.pk for p in search_selectors.search_papers(query=query).papers]
        assert found == [complete.pk, only_featured.pk], query
    Paper.objects.filter(pk=complete.pk).update(hidden=True)
    result = search_selectors.search_papers(query="contrastive tokenizers")
    assert [p.paper.pk for p in result.papers] == [only_featured.pk] and result.total == 1


def test_counts_are_exact_and_pages_follow_each_other():
    for n in range(25):
        catalogue_paper(f"2602.{n:05d}", title=f"Sparse attention variant {n}", abstract="x")
    textindex_build.textindex_rebuild()
    first = search_selectors.search_papers(query="sparse attention", limit=10)
    second = search_selectors.search_papers(query="sparse attention", limit=10, offset=10)
    assert first.total == second.total == 25
    seen = [r.paper.pk for r in first.papers] + [r.paper.pk for r in second.papers]
    assert len(set(seen)) == 20


def test_counts_stop_at_the_cap_and_are_exact_below_it(monkeypatch):
    # Five papers with both words in the title (enough, at a depth of 4, for the title-first
    # pass) and seven with them in the abstract only: twelve matches in all.
    monkeypatch.setattr(textindex_query, "RERANK_DEPTH", 4)
    for n in range(5):
        catalogue_paper(f"2602.{n:05d}", title=f"Sparse attention variant {n}", abstract="x")
    for n in range(5, 12):
        catalogue_paper(f"2602.{n:05d}", title=f"Variant {n}", abstract="Sparse attention.")
    catalogue_paper("2602.00099", title="Dense attention", abstract="Not sparse at all.")
    textindex_build.textindex_rebuild()
    index = textindex.engine_index()
    assert index is not None

    def total(cap: int | None, query: str = "sparse attention") -> int:
        return textindex.search(index, terms=query.split(), count_cap=cap, limit=2)[1]

    assert total(None) == total(100) == 13, "exact below the cap (the dense paper says sparse)"
    assert total(3) == 3, "the five title matches alone reach the cap"
    assert total(8) == 13, "they do not reach this one: every match counted"
    assert total(3, "dense attention") == 1
    found, _ = textindex.search(index, terms=["sparse", "attention"], count_cap=3, limit=4)
    titles = set(Paper.objects.filter(pk__in=found).values_list("title", flat=True))
    assert all(title.startswith("Sparse attention") for title in titles) and len(titles) == 4


def test_newest_first_reads_the_recent_dates_first_and_agrees_with_ordering_every_match():
    # 32 papers a year apart: the newest eighth of the dates (about four years) holds four,
    # so with a cap of 2 a page of up to four is answered from it, a longer one from all.
    for n in range(32):
        catalogue_paper(
            f"2602.{n:05d}",
            title=f"Graph sampling study {n}",
            abstract="x",
            published=datetime(1990 + n, 6, 1, tzinfo=UTC),
        )
    textindex_build.textindex_rebuild()
    index = textindex.engine_index()
    assert index is not None
    for limit, offset in ((2, 0), (3, 1), (4, 0), (3, 3), (12, 0), (5, 25)):
        options = dict(terms=["graph", "sampling"], by_date=True, limit=limit, offset=offset)
        windowed, capped = textindex.search(index, **options, count_cap=2)
        everything, total = textindex.search(index, **options)
        assert windowed == everything and total == 32, (limit, offset)
        assert capped == (2 if offset + limit <= 4 else 32), "the window, else every match"
        dates = dict(Paper.objects.filter(pk__in=windowed).values_list("pk", "published"))
        assert [dates[pk].year for pk in windowed] == list(
            range(2021 - offset, 2021 - offset - limit, -1)
        )
    assert textindex.search(index, terms=["graph"], by_date=True, count_cap=100)[1] == 32
    assert len(textindex.search(index, by_date=True, limit=40, count_cap=2)[0]) == 32


def test_a_year_filter_keeps_the_order_of_the_matches_it_keeps():
    # A range query scores its matches itself, and not alike in every segment of the index:
    # unscored, the filter only removes papers. Two segments (a build, then an update), the
    # words' frequencies varied so that BM25 orders the papers.
    def add(numbers: range) -> None:
        for n in numbers:
            catalogue_paper(
                f"2602.{n:05d}",
                title=f"Graph sampling {'graph ' * (n % 5)}study {n}",
                abstract="sampling " * (n % 7) + "of graphs",
                published=datetime(1990 + n, 6, 1, tzinfo=UTC),
            )

    add(range(0, 20))
    textindex_build.textindex_rebuild()
    add(range(20, 40))
    textindex_build.textindex_update()
    index = textindex.engine_index()
    assert index is not None and index.searcher().num_segments >= 2
    published = dict(Paper.objects.values_list("pk", "published"))
    for terms in (["graph"], ["graph", "sampling"], ["sampling"]):
        everything, _ = textindex.search(index, terms=terms, limit=40)
        kept, total = textindex.search(index, terms=terms, years=(1990, 2020), limit=40)
        expected = [pk for pk in everything if published[pk].year <= 2020]
        assert kept == expected and total == 31, terms
        top, _ = textindex.search(index, terms=terms, years=(1990, 2020), limit=5)
        assert top == expected[:5], terms


def test_did_you_mean_reads_the_index():
    two_papers()
    textindex_build.textindex_rebuild()
    result = search_selectors.search_papers(query="difusion transformrs")
    assert result.suggestion == "diffusion transformers"
    assert [r.paper.arxiv_id for r in result.papers] == ["2602.00101"]
    assert search_fallback.word_frequencies(["diffusion", "nowhere"]) == {"diffusion": 2}


def test_ids_and_urls_go_straight_to_the_paper(client):
    two_papers()
    textindex_build.textindex_rebuild()
    for query in ("2602.00102", "arXiv:2602.00102v2", "https://arxiv.org/abs/2602.00102"):
        response = client.get("/search", {"q": query})
        assert response.status_code == 302 and response["Location"] == "/papers/2602.00102"


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail_on_the_index(client, query):
    two_papers()
    textindex_build.textindex_rebuild()
    search_selectors.search_papers(query=query)
    assert client.get("/search", {"q": query}).status_code == 200
    assert client.get("/api/papers/search", {"q": query[:250]}).status_code == 200


def test_an_index_of_another_database_or_engine_setting_is_not_used(settings):
    two_papers()
    textindex_build.textindex_rebuild()
    settings.PAPERFEED_SEARCH_ENGINE = "database"
    assert textindex.engine_index() is None
    settings.PAPERFEED_SEARCH_ENGINE = "tantivy"
    root = textindex.current_root(textindex.index_dir())
    assert root is not None
    state = textindex.read_state(root)
    textindex.write_state(root, {**state, "database": "sqlite::elsewhere"})
    textindex._held.clear()
    assert textindex.engine_index() is None
    assert ids("diffusion") == ["2602.00101", "2602.00102"], "the database answers"


def test_a_format_1_build_with_its_words_field_still_answers(monkeypatch):
    # Format 1 had an unstemmed ``words`` field; format 2 dropped it and reads nothing the
    # older builds lack, so they keep answering (with "did you mean") until rebuilt.
    new_document = textindex.Entry.document

    def old_document(entry):
        document = new_document(entry)
        document.add_text("words", f"{entry.title}\n{entry.abstract}")
        return document

    def schema_with_words():
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True, fast=True)
        for name in ("title", "abstract", "authors"):
            builder.add_text_field(name, tokenizer_name="en_stem")
        builder.add_text_field("author_names", tokenizer_name="default")
        builder.add_text_field("words", tokenizer_name="default", index_option="basic")
        builder.add_text_field("categories", tokenizer_name="raw")
        builder.add_integer_field("published", indexed=True, fast=True)
        builder.add_float_field("weight", fast=True)
        return builder.build()

    two_papers()
    with monkeypatch.context() as patched:
        patched.setattr(textindex, "schema", schema_with_words)
        patched.setattr(textindex.Entry, "document", old_document)
        patched.setattr(textindex, "FORMAT", 1)
        textindex_build.textindex_rebuild()
    root = textindex.current_root(textindex.index_dir())
    assert root is not None and textindex.read_state(root)["format"] == 1
    textindex._held.clear()
    index = textindex.engine_index()
    assert index is not None and index.searcher().doc_freq("words", "diffusion") == 2
    assert ids("diffusion") == ["2602.00101", "2602.00102"]
    result = search_selectors.search_papers(query="difusion transformrs")
    assert result.suggestion == "diffusion transformers"
    (root / textindex.STATE).write_text(json.dumps({**textindex.read_state(root), "format": 0}))
    textindex._held.clear()
    assert textindex.engine_index() is None, "an older format than that is ignored"
