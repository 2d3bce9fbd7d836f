from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from paperfeed.papers import row_selectors, row_statement
from paperfeed.papers.models import Featured, Paper
from paperfeed.papers.row_selectors import papers_by_ids, rows_for
from paperfeed.papers.rows import CardPaper, PaperRow
from tests.factories import catalogue_paper
from tests.helpers import prepared_statements

pytestmark = pytest.mark.django_db


NAMES, CATEGORIES = ("Zed Last", "Ada First", "Mid Dle"), ("cs.LG", "cs.CL", "stat.ML")


def _featured_and_plain(first_id: str, plain_id: str) -> tuple[Paper, Paper]:
    """A paper with three authors and categories, featured on two days and once more on a
    hidden entry (upvotes 4, 9, 30), and a plain one."""
    first = catalogue_paper(
        first_id,
        authors=NAMES,
        categories=CATEGORIES,
        featured_on=date(2026, 2, 3),
        featured_upvotes=4,
    )
    catalogue_paper(
        first_id,
        authors=NAMES,
        categories=CATEGORIES,
        featured_on=date(2026, 2, 5),
        featured_upvotes=9,
    )
    # A hidden entry still counts for the source's highest count, never as the first listed day.
    Featured.objects.create(paper=first, day=date(2026, 2, 1), source="hf_daily", upvotes=30)
    Featured.objects.filter(paper=first, day=date(2026, 2, 1)).update(hidden=True)
    plain = catalogue_paper(plain_id, authors=("Solo Author",), categories=("math.AG",))
    return first, plain


def test_rows_carry_authors_categories_and_featured_facts_from_one_query(
    django_assert_num_queries,
):
    first, plain = _featured_and_plain("2602.00101", "2602.00102")
    papers = list(Paper.objects.filter(pk__in=[plain.pk, first.pk]).order_by("-arxiv_id"))

    # Authors, categories and the featured facts: one query; thumbnails and glances one each
    # (the caller did not join them).
    with django_assert_num_queries(3):
        rows = rows_for(papers)

    assert [row.paper.pk for row in rows] == [plain.pk, first.pk]
    assert rows[1].authors == ["Zed Last", "Ada First", "Mid Dle"]  # the paper's order
    assert len(rows[1].author_ids) == 3 and all(rows[1].author_ids)
    assert rows[1].categories == ["cs.LG", "cs.CL", "stat.ML"]
    assert rows[1].source_upvotes == 30
    assert rows[1].featured_day == date(2026, 2, 3)
    assert rows[0].authors == ["Solo Author"] and rows[0].categories == ["math.AG"]
    assert rows[0].source_upvotes == 0 and rows[0].featured_day is None


def test_without_featured_facts_the_rows_leave_them_out():
    paper = catalogue_paper("2602.00103", featured_on=date(2026, 2, 3), featured_upvotes=7)
    (row,) = rows_for([paper], featured=False)
    assert row.source_upvotes == 0 and row.featured_day is None
    assert row.authors == ["Ada Lovelace"]


def test_only_hidden_entries_give_no_first_day():
    paper = catalogue_paper("2602.00104", featured_on=date(2026, 2, 3), featured_upvotes=7)
    Featured.objects.filter(paper=paper).update(hidden=True)
    (row,) = rows_for([paper])
    assert row.featured_day is None and row.source_upvotes == 7


@pytest.mark.parametrize("featured", [True, False])
def test_papers_by_ids_has_the_facts_rows_for_reads(featured, django_assert_num_queries):
    """The card facts papers_by_ids reads with the papers (on PostgreSQL, in the papers' own
    query) are rows_for's: authors and categories in the paper's order, the source's highest
    count over every entry and the first listed day, and nothing for a paper without them."""
    first, plain = _featured_and_plain("2602.00401", "2602.00403")
    hidden_only = catalogue_paper("2602.00402", featured_on=date(2026, 2, 3), featured_upvotes=7)
    Featured.objects.filter(paper=hidden_only).update(hidden=True)
    bare = catalogue_paper("2602.00404")
    # A paper whose links are gone (a curator's edit): empty lists, the primary category.
    bare.authorships.all().delete()
    bare.category_links.all().delete()
    ids = [plain.pk, bare.pk, first.pk, hidden_only.pk]

    with django_assert_num_queries(_row_queries()):
        rows = papers_by_ids(ids=ids, featured=featured)
    expected = rows_for([Paper.objects.get(pk=pk) for pk in ids], featured=featured)

    def facts(row):  # type: ignore[no-untyped-def]
        return (
            row.paper.pk,
            row.authors,
            row.author_ids,
            row.categories,
            row.source_upvotes,
            row.featured_day,
        )

    assert [facts(row) for row in rows] == [facts(row) for row in expected]
    assert rows[2].authors == list(NAMES) and rows[2].categories == list(CATEGORIES)
    assert rows[1].authors == [] and rows[1].categories == ["cs.CL"]
    if featured:
        assert (rows[2].source_upvotes, rows[2].featured_day) == (30, date(2026, 2, 3))
        assert (rows[3].source_upvotes, rows[3].featured_day) == (7, None)


def test_many_papers_are_read_in_chunks_in_order(monkeypatch):
    monkeypatch.setattr(row_selectors, "CHUNK", 2)
    papers = [
        catalogue_paper(f"2602.0020{n}", authors=(f"Author {n}", f"Second {n}")) for n in range(5)
    ]
    rows = papers_by_ids(ids=[paper.pk for paper in reversed(papers)])
    assert [row.authors for row in rows] == [
        [f"Author {n}", f"Second {n}"] for n in range(4, -1, -1)
    ]


def _row_facts(row: PaperRow) -> tuple[object, ...]:
    """Everything of a row besides its paper."""
    return tuple(
        getattr(row, field.name) for field in dataclasses.fields(PaperRow) if field.name != "paper"
    )


def _row_queries() -> int:
    """papers_by_ids' queries: the papers with their thumbnails and glances, then the card facts;
    one query on PostgreSQL, which reads the facts as the papers' own columns."""
    from django.db import connection

    return 1 if connection.vendor == "postgresql" else 2


def test_papers_by_ids_reads_papers_thumbnails_and_glances_in_two_queries(
    django_assert_num_queries,
):
    """One query for the papers with their thumbnails and glances joined, one for the authors,
    categories and featured facts (on PostgreSQL, one for both); hidden papers left out; JSON
    and dates as Python values."""
    from paperfeed.papers.glance.models import PaperGlance
    from paperfeed.papers.models import Thumbnail

    with_both = catalogue_paper("2602.00301", authors=("Ada First",), categories=("cs.CL",))
    bare = catalogue_paper("2602.00302")
    hidden = catalogue_paper("2602.00303")
    Paper.objects.filter(pk=hidden.pk).update(hidden=True)
    Paper.objects.filter(pk=with_both.pk).update(versions=[{"version": 1}], code_stars=7)
    PaperGlance.objects.create(
        paper=with_both,
        keywords=["sparse routing"],
        summary="We route.",
        text_key="k",
        computed_at=with_both.published,
    )
    # A thumbnail row that failed: joined, but no image shown.
    Thumbnail.objects.create(paper=with_both, state=Thumbnail.State.FAILED)

    with django_assert_num_queries(_row_queries()):
        rows = papers_by_ids(ids=[hidden.pk, bare.pk, with_both.pk])

    assert [row.paper.pk for row in rows] == [bare.pk, with_both.pk]
    paper = rows[1].paper
    assert paper.versions == [{"version": 1}] and paper.code_stars == 7
    assert paper.published == with_both.published and paper.published.tzinfo is not None
    assert rows[1].keywords == ["sparse routing"] and rows[1].summary == "We route."
    assert rows[1].thumbnail_url is None and rows[0].keywords == []
    with django_assert_num_queries(0):  # the joined relations are the paper's own
        assert paper.thumbnail.state == Thumbnail.State.FAILED
        assert paper.glance.keywords == ["sparse routing"]


def test_card_only_rows_read_only_the_card_columns_and_write_the_same_cards(
    django_assert_num_queries,
):
    """The search page's rows: the columns a card shows as plain values (no model instances),
    in the same one statement; the card and its cache key from them are the full rows' own,
    and writing them reads nothing more."""
    from django.utils import timezone

    from paperfeed.community import cards
    from paperfeed.papers import card_html
    from paperfeed.papers.glance.models import PaperGlance
    from paperfeed.papers.models import Thumbnail

    stub = catalogue_paper(
        "2602.00311",
        title="Sparse $O(n^2)$ <routing>",
        abstract="We route ``tokens'' & experts.",
        code_url="https://github.com/a/b",
        code_stars=12,
        featured_on=date(2026, 2, 3),
        featured_upvotes=4,
    )
    plain = catalogue_paper("2602.00312", authors=("Bo Li", "Ann Smith"))
    Paper.objects.filter(pk=stub.pk).update(
        published_is_estimate=True, listed_on=None, project_page="https://p.example/"
    )
    PaperGlance.objects.create(
        paper=plain,
        keywords=["mixture of experts"],
        summary="We route.",
        text_key="k",
        ai_summary="An AI line.",
        ai_text_key="k",
        ai_state=PaperGlance.AiState.DONE,
        computed_at=timezone.now(),
    )
    Thumbnail.objects.create(paper=plain, state=Thumbnail.State.FAILED, width=3, height=4)
    ids = [stub.pk, plain.pk]

    full = papers_by_ids(ids=ids)
    with django_assert_num_queries(_row_queries()):
        lean = papers_by_ids(ids=ids, card_only=True)

    assert all(isinstance(row.paper, CardPaper) for row in lean)
    assert {f.name for f in dataclasses.fields(CardPaper)} == row_statement.CARD_FIELDS[Paper]
    assert [row.paper.pk for row in lean] == ids and lean[0].paper.is_stub
    assert [_row_facts(row) for row in lean] == [_row_facts(row) for row in full]
    assert lean[1].summary == "An AI line." and lean[1].keywords == ["mixture of experts"]
    with django_assert_num_queries(0):
        lean_cards = [card_html.card(row, {}) for row in lean]
        lean_keys = [cards.card_key(row, ()) for row in lean]
    assert lean_cards == [card_html.card(row, {}) for row in full]
    assert lean_keys == [cards.card_key(row, ()) for row in full]
    assert "featured" in lean_cards[0] and "&lt;routing&gt;" in lean_cards[0]


def test_on_postgresql_the_rows_statement_is_prepared_once_for_any_number_of_ids(settings):
    """PostgreSQL planned the papers' six-table statement anew for every page (its ids bound
    in the text): now one statement, ``= ANY`` of the ids, prepared once per connection, with
    the same rows; PAPERFEED_PG_PREPARED off, nothing is prepared."""
    from django.db import connection

    papers = [catalogue_paper(f"2602.0060{n}", authors=(f"Author {n}",)) for n in range(3)]
    ids = [paper.pk for paper in papers]

    settings.PAPERFEED_PG_PREPARED = False
    off = [row.authors for row in papers_by_ids(ids=ids)]
    if connection.vendor == "postgresql":
        assert prepared_statements("%papers_paperglance%") == 0
    settings.PAPERFEED_PG_PREPARED = True
    assert (
        [row.authors for row in papers_by_ids(ids=ids)]
        == off
        == [[f"Author {n}"] for n in range(3)]
    )
    assert [row.authors for row in papers_by_ids(ids=ids[1:], card_only=True)] == off[1:]
    assert [row.paper.pk for row in papers_by_ids(ids=[ids[2], -1, ids[0]])] == [ids[2], ids[0]]
    if connection.vendor == "postgresql":
        # One per column set (all columns, the card's), whatever the number of ids.
        assert prepared_statements("%papers_paperglance%") == 2
