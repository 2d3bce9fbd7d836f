"""Search with the database's full-text copy turned off (PAPERFEED_SEARCH_DATABASE_COPY=false,
and by "auto", the default, where the worker keeps the tantivy index current):
imports write no papers_fts rows, searches without an index still find papers by scanning,
the tantivy index answers as usual once built, and refill-copy brings the copy back."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from paperfeed.papers import search, search_selectors, textindex_build
from tests.factories import catalogue_paper
from tests.papers.test_search_selectors import two_papers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _copy_off(settings, tmp_path):
    settings.PAPERFEED_SEARCH_DATABASE_COPY = False
    settings.PAPERFEED_SEARCH_ENGINE = "tantivy"
    settings.PAPERFEED_SEARCH_INDEX_DIR = str(tmp_path / "search")
    settings.PAPERFEED_SEARCH_CACHE_SECONDS = 0


def copy_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {search.FTS_TABLE}")
        return cursor.fetchone()[0]


def ids(query: str, **options) -> list[str]:
    result = search_selectors.search_papers(query=query, mode="keyword", **options)
    return [row.paper.arxiv_id for row in result.papers]


def test_import_writes_no_copy_and_a_scan_answers_with_the_same_filters():
    two_papers()
    assert copy_rows() == 0
    # Newest first: the scan does not rank.
    assert ids("diffusion") == ["2602.00102", "2602.00101"]
    result = search_selectors.search_papers(query="diffusion", mode="keyword")
    assert result.total == 2 and "<mark>Diffusion</mark>" in result.papers[1].title_html
    assert ids("diffusion author:lecun") == ["2602.00101"]
    assert ids('author:"alan turing"') == ["2602.00102"]
    assert ids("diffusion cat:cs.CL") == ["2602.00102"]
    assert ids("diffusion year:2025") == ["2602.00101"]
    assert ids('"language models"') == ["2602.00102"]
    assert ids("turing") == ["2602.00102"]  # author names count as words too
    assert ids("cat:cs.CV") == ["2602.00101"]
    assert ids("diffusion", offset=1) == ["2602.00101"]
    assert ids("nowhere") == []
    # No vocabulary to correct from: no suggestion, and no error.
    assert search_selectors.search_papers(query="difusion", mode="keyword").suggestion == ""


def test_hidden_papers_stay_out_of_the_scan():
    two_papers()
    from paperfeed.papers.models import Paper

    Paper.objects.filter(arxiv_id="2602.00101").update(hidden=True)
    assert ids("diffusion") == ["2602.00102"]


def test_the_index_answers_as_with_the_copy_on():
    two_papers()
    textindex_build.textindex_rebuild()
    assert ids("diffusion") == ["2602.00101", "2602.00102"]  # ranked: title match first
    assert search_selectors.search_papers(query="difusion", mode="keyword").suggestion


def test_refill_copy_writes_every_paper_for_the_database_engine(settings):
    two_papers()
    catalogue_paper("2602.00103", title="Sound diffusion", abstract="Audio.")
    call_command("search", "refill-copy")
    assert copy_rows() == 3
    settings.PAPERFEED_SEARCH_DATABASE_COPY = True
    settings.PAPERFEED_SEARCH_ENGINE = "database"
    assert set(ids("diffusion")) == {"2602.00101", "2602.00102", "2602.00103"}
    assert ids("sound") == ["2602.00103"]


def test_auto_by_default_writes_the_copy_only_where_it_answers_searches(settings):
    settings.PAPERFEED_SEARCH_DATABASE_COPY = None  # "auto", the default (the next test)
    # The tantivy engine, kept current by the worker after each import: nothing reads the copy.
    assert not search.database_copy_on()
    two_papers()
    assert copy_rows() == 0
    assert ids("diffusion") == ["2602.00102", "2602.00101"]  # the scan, until the index exists
    textindex_build.textindex_rebuild()
    assert ids("diffusion") == ["2602.00101", "2602.00102"]
    # Where the copy is what answers, auto writes it.
    settings.PAPERFEED_SEARCH_ENGINE = "database"
    assert search.database_copy_on()
    catalogue_paper("2602.00103", title="Sound diffusion", abstract="Audio.")
    assert copy_rows() == 1
    settings.PAPERFEED_SEARCH_ENGINE = "tantivy"
    settings.PAPERFEED_SEARCH_INDEX_AFTER_IMPORT = False
    assert search.database_copy_on()
    # Set explicitly, the setting wins either way.
    settings.PAPERFEED_SEARCH_DATABASE_COPY = False
    assert not search.database_copy_on()
    settings.PAPERFEED_SEARCH_INDEX_AFTER_IMPORT = True
    settings.PAPERFEED_SEARCH_DATABASE_COPY = True
    assert search.database_copy_on()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("auto", None), (" AUTO ", None), ("true", True), ("1", True), ("false", False)],
)
def test_the_setting_reads_auto_true_and_false_from_the_environment(monkeypatch, value, expected):
    import importlib

    from paperfeed.settings import product

    if value is None:
        monkeypatch.delenv("PAPERFEED_SEARCH_DATABASE_COPY", raising=False)
    else:
        monkeypatch.setenv("PAPERFEED_SEARCH_DATABASE_COPY", value)
    try:
        assert importlib.reload(product).PAPERFEED_SEARCH_DATABASE_COPY is expected
    finally:
        monkeypatch.undo()
        importlib.reload(product)


def test_without_the_copy_an_import_still_makes_cached_searches_stale():
    before = search.catalogue_version()
    two_papers()
    assert copy_rows() == 0
    assert search.catalogue_version() > before
