from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperfeed.papers import selectors
from paperfeed.papers.models import Featured, Paper
from paperfeed.papers.periods import Period, parse_period
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db

DAY = date(2026, 2, 3)


def test_featured_list_ranks_by_source_plus_local_upvotes(django_assert_max_num_queries):
    low = catalogue_paper("2602.00001", title="Low", featured_on=DAY, featured_upvotes=3)
    high = catalogue_paper("2602.00002", title="High", featured_on=DAY, featured_upvotes=10)
    local = catalogue_paper("2602.00003", title="Local", featured_on=DAY, featured_upvotes=2)
    Paper.objects.filter(pk=local.pk).update(upvote_count=20)
    catalogue_paper("2602.00004", title="Other day", featured_on=date(2026, 2, 4))

    with django_assert_max_num_queries(5):
        rows, total = selectors.featured_list(period=Period.day(DAY), limit=10, offset=0)
        titles = [row.paper.title for row in rows]
        names = [row.authors for row in rows]
    assert titles == ["Local", "High", "Low"]
    assert total == 3
    assert [row.upvotes for row in rows] == [22, 10, 3]
    assert [row.source_upvotes for row in rows] == [2, 10, 3]
    assert names[0] == ["Ada Lovelace"]
    assert rows[1].paper.pk == high.pk and rows[2].paper.pk == low.pk


def test_week_lists_a_paper_once_and_hidden_papers_never():
    paper = catalogue_paper("2602.00011", featured_on=date(2026, 2, 2), featured_upvotes=1)
    catalogue_paper("2602.00011", featured_on=date(2026, 2, 3), featured_upvotes=7)
    hidden = catalogue_paper("2602.00012", featured_on=date(2026, 2, 3), featured_upvotes=50)
    Paper.objects.filter(pk=hidden.pk).update(hidden=True)

    rows, total = selectors.featured_list(
        period=parse_period("week", "2026-W06"), limit=10, offset=0
    )
    assert [row.paper.pk for row in rows] == [paper.pk]
    assert total == 1
    assert rows[0].source_upvotes == 7
    assert rows[0].featured_day == date(2026, 2, 2)
    # The one source count: the same on the first day's list, where the entry said 1.
    day_rows, _ = selectors.featured_list(period=Period.day(date(2026, 2, 2)))
    assert day_rows[0].source_upvotes == 7 and day_rows[0].upvotes == 7


def test_pinned_entries_come_first_and_entries_hidden_on_a_day_are_left_out():
    popular = catalogue_paper("2602.00021", featured_on=date(2026, 2, 2), featured_upvotes=90)
    pinned = catalogue_paper("2602.00022", featured_on=date(2026, 2, 2), featured_upvotes=1)
    dropped = catalogue_paper("2602.00023", featured_on=date(2026, 2, 2), featured_upvotes=50)
    Featured.objects.filter(paper=pinned).update(pinned=True)
    Featured.objects.filter(paper=dropped).update(hidden=True)

    rows, total = selectors.featured_list(period=Period.day(date(2026, 2, 2)), limit=10, offset=0)
    assert [row.paper.pk for row in rows] == [pinned.pk, popular.pk]
    assert total == 2 and rows[0].pinned and not rows[1].pinned


def test_latest_and_nearest_featured_days():
    assert selectors.latest_featured_day() is None
    catalogue_paper("2602.00021", featured_on=date(2026, 2, 1))
    catalogue_paper("2602.00022", featured_on=date(2026, 2, 9))
    assert selectors.latest_featured_day() == date(2026, 2, 9)
    assert selectors.nearest_featured_days(day=date(2026, 2, 5)) == (
        date(2026, 2, 1),
        date(2026, 2, 9),
    )


def test_paper_detail_accepts_any_id_form_and_hides_hidden(django_assert_max_num_queries):
    catalogue_paper(
        "2602.00031", authors=("B One", "A Two"), categories=("cs.LG", "cs.AI"), featured_on=DAY
    )
    with django_assert_max_num_queries(4):
        row = selectors.paper_detail(arxiv_id="arXiv:2602.00031v3")
    assert row is not None
    assert row.authors == ["B One", "A Two"]
    assert row.categories == ["cs.LG", "cs.AI"]
    assert row.featured_days == [DAY]
    assert selectors.paper_detail(arxiv_id="not an id <script>") is None
    Paper.objects.filter(arxiv_id="2602.00031").update(hidden=True)
    assert selectors.paper_detail(arxiv_id="2602.00031") is None


def test_new_papers_newest_first_with_category_filter(settings):
    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0
    for n in range(5):
        catalogue_paper(
            f"2602.0004{n}",
            categories=("cs.CL",) if n % 2 else ("cs.CV",),
            published=datetime(2026, 2, 1 + n, tzinfo=UTC),
        )
    rows, total = selectors.new_papers(category=None, limit=3, offset=0)
    assert [row.paper.arxiv_id for row in rows] == ["2602.00044", "2602.00043", "2602.00042"]
    assert total == 5
    rows, total = selectors.new_papers(category="cs.CL", limit=10, offset=0)
    assert [row.paper.arxiv_id for row in rows] == ["2602.00043", "2602.00041"]
    assert total == 2
    # A rare category takes the sort plan, a common one the index walk: same answer either way.
    selectors_budget = selectors.SCAN_BUDGET
    try:
        selectors.SCAN_BUDGET = 0
        assert [row.paper.arxiv_id for row in selectors.new_papers(category="cs.CL")[0]] == [
            "2602.00043",
            "2602.00041",
        ]
    finally:
        selectors.SCAN_BUDGET = selectors_budget
    assert selectors.new_papers(category="nope.XX") == ([], 0)


def stub(arxiv_id: str, *, title: str, day: date, categories=None) -> Paper:
    """A paper known only from a featured list, imported as the HF scrape parser yields it."""
    from paperfeed.papers.records import FeaturedRecord, PaperRecord
    from paperfeed.papers.services import papers_upsert

    record = PaperRecord(
        arxiv_id=arxiv_id,
        source="hf_scrape",
        title=title,
        categories=categories,
        featured=FeaturedRecord(day=day, upvotes=5),
    )
    assert papers_upsert(records=[record]).rejected == 0
    return Paper.objects.get(arxiv_id=arxiv_id)


def test_new_papers_follow_arxivs_announcements_and_leave_stubs_out(settings):
    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0
    listed = catalogue_paper("2602.00001", published=datetime(2026, 2, 2, tzinfo=UTC))
    # Featured after the listed paper was published: by date alone it would come first.
    only_featured = stub("2602.00002", title="Known from HF only", day=date(2026, 2, 20))
    assert only_featured.is_stub and not listed.is_stub
    assert only_featured.published == datetime(2026, 2, 20, tzinfo=UTC)
    papers, total = selectors.new_papers()
    assert [p.paper.arxiv_id for p in papers] == ["2602.00001"] and total == 1
    papers, total = selectors.new_papers(category="cs.CL")
    assert [p.paper.arxiv_id for p in papers] == ["2602.00001"] and total == 1
    # Once arXiv lists it, it is a paper like any other.
    from paperfeed.papers.records import PaperRecord
    from paperfeed.papers.services import papers_upsert

    papers_upsert(
        records=[PaperRecord(arxiv_id="2602.00002", source="listing", listed_on=date(2026, 2, 3))]
    )
    papers, total = selectors.new_papers()
    assert [p.paper.arxiv_id for p in papers] == ["2602.00002", "2602.00001"] and total == 2
    assert not Paper.objects.get(arxiv_id="2602.00002").is_stub


def test_every_day_newest_first_ranks_only_recent_papers_and_agrees_with_the_whole_history(
    settings,
):
    """The HF API's default list (no period, newest first) cuts to recently featured papers; a
    paper featured again lately keeps its first day, so the cut must move back past it."""
    from datetime import timedelta

    from paperfeed.papers.services import featured_add
    from tests.factories import UserFactory

    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0
    curator = UserFactory()
    start = date(2026, 1, 1)
    for n in range(24):
        catalogue_paper(
            f"2601.{n + 1:05d}", featured_on=start + timedelta(days=n // 3), featured_upvotes=n
        )
    # Two old papers featured again on the newest day: they stay on their first day.
    for arxiv_id in ("2601.00001", "2601.00002"):
        featured_add(
            curator=curator, paper=Paper.objects.get(arxiv_id=arxiv_id), day=date(2026, 1, 8)
        )
    everything = Period.span(date(1991, 1, 1), date(2026, 12, 31))
    for limit, offset in ((3, 0), (5, 0), (5, 5), (4, 20), (10, 18), (50, 0)):
        cut, cut_total = selectors.featured_list(
            period=None, order="newest", limit=limit, offset=offset
        )
        whole, whole_total = selectors.featured_list(
            period=everything, order="newest", limit=limit, offset=offset
        )
        assert [(r.paper.arxiv_id, r.featured_day, r.upvotes) for r in cut] == [
            (r.paper.arxiv_id, r.featured_day, r.upvotes) for r in whole
        ], (limit, offset)
        assert whole_total == 24
        # Without a period the total is not counted over the whole history: it is a lower bound
        # that tells truly whether a next page exists.
        assert cut_total <= whole_total
        assert (cut_total > offset + limit) == (whole_total > offset + limit), (limit, offset)


def test_rows_carry_the_thumbnail_without_a_query_per_row(
    settings, tmp_path, django_assert_max_num_queries
):
    from paperfeed.papers.services import thumbnail_fail, thumbnail_save
    from tests.helpers import webp_image

    settings.PAPERFEED_THUMBNAIL_DIR = tmp_path
    drawn = catalogue_paper("2602.00041", featured_on=DAY)
    failed = catalogue_paper("2602.00042", featured_on=DAY)
    catalogue_paper("2602.00043", featured_on=DAY)
    for n in range(4, 10):
        thumbnail_save(
            paper=catalogue_paper(f"2602.0004{n}", featured_on=DAY),
            image=webp_image(),
            width=320,
            height=400,
        )
    thumbnail_save(paper=drawn, image=webp_image(), width=320, height=414)
    thumbnail_fail(paper=failed, reason="not a PDF", retry_at=None)

    # As many queries as before thumbnails, however many rows: they come in the join.
    with django_assert_max_num_queries(5):
        rows, _ = selectors.featured_list(period=Period.day(DAY), limit=50, offset=0)
    by_id = {row.paper.arxiv_id: row for row in rows}
    assert by_id["2602.00041"].thumbnail_url.startswith("/thumbs/2602.00041.webp?v=")
    assert (by_id["2602.00041"].thumbnail_width, by_id["2602.00041"].thumbnail_height) == (320, 414)
    assert by_id["2602.00042"].thumbnail_url is None  # failed: the placeholder
    assert by_id["2602.00043"].thumbnail_url is None  # not tried yet
    with django_assert_max_num_queries(4):
        assert selectors.paper_detail(arxiv_id="2602.00041").thumbnail_url
    # Two counts (cached_count), the page, authors, categories, featured facts: no more.
    with django_assert_max_num_queries(6):
        rows, _ = selectors.new_papers(limit=50)
    assert sum(1 for row in rows if row.thumbnail_url) == 7
    # A caller whose query did not join them gets them in one query for the whole list (and
    # the papers' glances, keywords and summaries, in one more).
    papers = list(Paper.objects.order_by("arxiv_id"))
    with django_assert_max_num_queries(5):
        rows = selectors.rows_for(papers)
    assert sum(1 for row in rows if row.thumbnail_url) == 7
    # A file lost since shows the placeholder, not a broken image.
    (tmp_path / "2602" / "2602.00041.webp").unlink()
    assert selectors.paper_detail(arxiv_id="2602.00041").thumbnail_url is None


def test_new_papers_total_is_kept_until_the_catalogue_changes(settings):
    """The total is remembered across the interval, but an import or a hide (which move the
    catalogue version) makes the next page count afresh."""
    from django.core.cache import cache

    from paperfeed.papers import search

    settings.PAPERFEED_COUNT_CACHE_SECONDS = 600
    cache.clear()
    for n in range(3):
        catalogue_paper(f"2602.0009{n}", published=datetime(2026, 2, 1 + n, tzinfo=UTC))
    assert selectors.new_papers(limit=10)[1] == 3
    assert selectors.new_papers(category="cs.CL", limit=10)[1] == 3
    # An import moves the version: counted afresh.
    catalogue_paper("2602.00099", published=datetime(2026, 2, 9, tzinfo=UTC))
    assert selectors.new_papers(limit=10)[1] == 4
    assert selectors.new_papers(category="cs.CL", limit=10)[1] == 4
    # A write behind the services' back does not: the remembered total still serves...
    Paper.objects.filter(arxiv_id="2602.00090").update(hidden=True)
    assert selectors.new_papers(limit=10)[1] == 4
    # ...until something moves the version, as the curator's hide does.
    search.catalogue_changed()
    assert selectors.new_papers(limit=10)[1] == 3
    assert selectors.new_papers(category="cs.CL", limit=10)[1] == 3


def test_a_category_page_reads_the_catalogue_version_once(settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAPERFEED_COUNT_CACHE_SECONDS = 600
    cache.clear()
    catalogue_paper("2602.00095", categories=("cs.CL",))
    with CaptureQueriesContext(connection) as queries:
        assert selectors.new_papers(category="cs.CL", limit=10)[1] == 1
    assert sum("catalogueversion" in q["sql"] for q in queries.captured_queries) == 1


def test_paper_version_moves_with_the_papers_row_and_its_featured_entries_only():
    from paperfeed.papers.services import paper_counters_add

    paper = catalogue_paper("2602.00700", featured_on=date(2026, 2, 3), featured_upvotes=5)
    other = catalogue_paper("2602.00701", featured_on=date(2026, 2, 3))
    first = selectors.paper_version(arxiv_id=paper.arxiv_id)
    assert first and first == selectors.paper_version(arxiv_id=paper.arxiv_id)
    assert first != selectors.paper_version(arxiv_id=other.arxiv_id)
    paper_counters_add(paper_id=other.pk, upvotes=1)
    assert selectors.paper_version(arxiv_id=paper.arxiv_id) == first
    paper_counters_add(paper_id=paper.pk, comments=1)
    second = selectors.paper_version(arxiv_id=paper.arxiv_id)
    assert second != first
    Featured.objects.filter(paper=paper).update(upvotes=6)
    assert selectors.paper_version(arxiv_id=paper.arxiv_id) not in (first, second)
    assert selectors.paper_version(arxiv_id="2602.99999") == ""
    assert selectors.paper_version(arxiv_id="~paper-version~") == ""
    assert selectors.paper_version(arxiv_id="2602.00700\0") == ""
