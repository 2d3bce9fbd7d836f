from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperfeed.papers.models import Author, Featured, Paper, PaperCategory
from paperfeed.papers.records import FeaturedRecord, PaperRecord, upsert_problem
from paperfeed.papers.search_selectors import search_papers
from paperfeed.papers.services import papers_upsert
from tests.factories import listing_record

# Not transactional: the FTS side table is no model, so only a rollback resets it between tests.
pytestmark = pytest.mark.django_db

V1 = datetime(2025, 3, 17, 12, 0, tzinfo=UTC)


rec = listing_record


def test_upsert_creates_papers_authors_categories_and_index():
    summary = papers_upsert(records=[rec("2503.00001"), rec("2503.00002", authors=["Alan Turing"])])
    assert (summary.new, summary.updated, summary.unchanged, summary.rejected) == (2, 0, 0, 0)
    paper = Paper.objects.get(arxiv_id="2503.00001")
    assert [a.name for a in paper.authors.order_by("authorships__position")] == [
        "Ada Lovelace",
        "Alan Turing",
    ]
    assert Author.objects.count() == 2  # Alan Turing is one Author on both papers
    assert list(PaperCategory.objects.filter(paper=paper).values_list("category", flat=True)) == [
        "cs.LG",
        "cs.AI",
    ]
    assert paper.primary_category == "cs.LG"
    assert paper.published == datetime(2025, 3, 18, tzinfo=UTC)
    assert paper.published_is_estimate
    # LaTeX and HTML are stored as text, untouched.
    assert paper.abstract == "We study $\\alpha$-divergences in <b>bold</b> ways."
    found = search_papers(query="diffusion turing")
    assert found.total == 2 and {row.paper.pk for row in found.papers} == set(
        Paper.objects.values_list("id", flat=True)
    )


def test_rerunning_the_same_input_changes_nothing():
    papers_upsert(records=[rec("2503.00001"), rec("2503.00002")])
    before = list(Paper.objects.values_list("arxiv_id", "title", "updated_at").order_by("id"))
    summary = papers_upsert(records=[rec("2503.00001"), rec("2503.00002")])
    assert (summary.new, summary.updated, summary.unchanged) == (0, 0, 2)
    after = list(Paper.objects.values_list("arxiv_id", "title", "updated_at").order_by("id"))
    assert before == after


def test_newer_version_replaces_and_authors_are_rewritten():
    papers_upsert(records=[rec(source="arxiv_api", version=1, published=V1, versions=[(1, V1)])])
    v2 = datetime(2025, 4, 1, tzinfo=UTC)
    summary = papers_upsert(
        records=[
            rec(
                source="arxiv_api",
                version=2,
                title="A better title",
                authors=["Grace Hopper"],
                published=V1,
                updated=v2,
                versions=[(1, V1), (2, v2)],
            )
        ]
    )
    assert summary.updated == 1
    paper = Paper.objects.get()
    assert (paper.version, paper.title, paper.published, paper.updated) == (
        2,
        "A better title",
        V1,
        v2,
    )
    assert list(paper.authors.values_list("name", flat=True)) == ["Grace Hopper"]
    assert search_papers(query="better hopper").total == 1
    assert search_papers(query="lovelace").total == 0  # the index followed the update


def test_duplicate_in_batch_is_rejected_but_other_days_merge():
    summary = papers_upsert(
        records=[rec(), rec(), rec(listed_on=date(2025, 3, 19)), rec("2503.00009")]
    )
    assert summary.new == 2
    assert summary.rejected == 1
    assert summary.errors[0]["reason"].startswith("duplicate")
    assert Paper.objects.get(arxiv_id="2503.00001").listed_on == date(2025, 3, 18)


def test_oversized_and_titleless_records_are_rejected_and_the_rest_imported():
    summary = papers_upsert(
        records=[
            rec("2503.00001", title="x" * 1_000_000),
            rec("2503.00002", title=None),
            rec("2503.00003"),
        ]
    )
    assert summary.new == 1 and summary.rejected == 2
    reasons = " ".join(e["reason"] for e in summary.errors)
    assert "title longer" in reasons and "needs a title" in reasons
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2503.00003"]


def test_an_author_name_past_the_byte_bound_is_rejected_and_one_within_it_stored():
    """1,000 CJK characters (3,000 bytes) would not fit PostgreSQL's covering index entry:
    refused with a reason, never an import that fails; 600 of them (1,800 bytes) are stored."""
    long_name, fitting = "漢" * 1_000, "漢" * 600
    summary = papers_upsert(
        records=[
            rec("2503.00001", authors=[long_name]),
            rec("2503.00002", authors=[fitting, "Ada Lovelace"]),
        ]
    )
    assert summary.new == 1 and summary.rejected == 1
    assert "an author name longer than 2000 bytes" in summary.errors[0]["reason"]
    paper = Paper.objects.get(arxiv_id="2503.00002")
    assert list(paper.authorships.values_list("name", flat=True)) == [fitting, "Ada Lovelace"]


def test_featured_entries_keep_the_highest_upvotes():
    hf = rec(
        source="hf_daily",
        featured=FeaturedRecord(day=date(2025, 3, 19), upvotes=12, submitter="akhaliq"),
    )
    papers_upsert(records=[hf])
    papers_upsert(
        records=[rec(source="hf_daily", featured=FeaturedRecord(day=date(2025, 3, 19), upvotes=7))]
    )
    entry = Featured.objects.get()
    assert (entry.day, entry.upvotes, entry.submitter_name, entry.source) == (
        date(2025, 3, 19),
        12,
        "akhaliq",
        "hf_daily",
    )


def test_nul_characters_are_stripped_so_postgresql_can_store_the_text():
    summary = papers_upsert(
        records=[rec(title="Nul\x00 title", abstract="a\x00b", authors=["Ada\x00 Lovelace"])]
    )
    assert summary.new == 1
    paper = Paper.objects.get()
    assert (paper.title, paper.abstract) == ("Nul title", "ab")
    assert list(paper.authors.values_list("name", flat=True)) == ["Ada Lovelace"]


def test_a_title_of_nul_characters_only_is_stripped_then_refused_as_empty():
    record = rec(title="\x00\x00")
    assert upsert_problem(record) == "empty title"
    assert record.title == ""
    summary = papers_upsert(records=[rec(title="\x00\x00")])
    assert (summary.new, summary.rejected) == (0, 1)
    assert summary.errors[0]["reason"] == "empty title"


# --- Re-importing the same input changes nothing ------------------------------------------------


def _counts(summary) -> tuple[int, int, int, int]:
    return summary.new, summary.updated, summary.unchanged, summary.rejected


def _listed(day: int, **overrides) -> PaperRecord:
    return rec(listed_on=date(2025, 3, day), **overrides)


def test_a_paper_listed_on_several_days_with_different_metadata_reimports_unchanged():
    days = [
        _listed(18, title="Ice Hockey Puck Localization", categories=["cs.CV", "cs.AI"]),
        _listed(19, title="Puck Localization Using Contextual Cues", categories=["cs.CV"]),
        _listed(20, title="Ice Hockey Puck Localization", categories=["cs.CV"], comments="v2"),
    ]
    assert _counts(papers_upsert(records=days)) == (1, 2, 0, 0)
    again = papers_upsert(records=[_listed(18, title="Ice Hockey Puck Localization")])
    assert _counts(again) == (0, 0, 1, 0)
    assert _counts(papers_upsert(records=days)) == (0, 0, 3, 0)
    paper = Paper.objects.get()
    # The latest day wins, field by field: the last title, the categories it last gave.
    assert (paper.title, paper.comments) == ("Ice Hockey Puck Localization", "v2")
    assert paper.last_seen_on == date(2025, 3, 20)
    assert list(PaperCategory.objects.values_list("category", flat=True)) == ["cs.CV"]


def test_the_latest_day_wins_whatever_order_the_days_arrive_in():
    early = _listed(18, title="Early title")
    late = _listed(25, title="Late title")
    papers_upsert(records=[late])
    # The earlier day only fills gaps: here the first listing day, not the title.
    assert _counts(papers_upsert(records=[early])) == (0, 1, 0, 0)
    paper = Paper.objects.get()
    assert (paper.title, paper.listed_on) == ("Late title", date(2025, 3, 18))
    assert _counts(papers_upsert(records=[late, early])) == (0, 0, 2, 0)


def test_hf_pages_naming_different_code_links_on_different_days_reimport_unchanged():
    def scrape(day: int, url: str) -> PaperRecord:
        return rec(
            source="hf_scrape",
            listed_on=None,
            code_url=url,
            featured=FeaturedRecord(day=date(2025, 12, day), upvotes=day),
        )

    pages = [
        scrape(5, "https://github.com/open-compass/VLMEvalKit/pull/1334"),
        scrape(6, "https://github.com/InternLM/ARM-Thinker"),
        scrape(7, "https://github.com/open-compass/VLMEvalKit/pull/1334"),
        scrape(8, "https://github.com/InternLM/ARM-Thinker"),
    ]
    assert _counts(papers_upsert(records=pages)) == (1, 3, 0, 0)
    assert _counts(papers_upsert(records=pages)) == (0, 0, 4, 0)
    assert Paper.objects.get().code_url == "https://github.com/InternLM/ARM-Thinker"


def test_a_newer_version_still_replaces_whatever_day_it_comes_from():
    papers_upsert(records=[_listed(25, title="Listed late", version=None)])
    summary = papers_upsert(records=[rec(listed_on=None, version=2, title="Version two")])
    assert _counts(summary) == (0, 1, 0, 0)
    assert Paper.objects.get().title == "Version two"


# --- Author names as each paper writes them -----------------------------------------------------


def test_each_paper_keeps_its_own_spelling_of_one_author(client, settings):
    from paperfeed.papers.models import PaperAuthor

    settings.PAPERFEED_SEARCH_DATABASE_COPY = True  # author: through the database's copy

    papers_upsert(
        records=[
            rec("2503.00001", authors=["Baptiste Roziere", "Ada Lovelace"]),
            rec("2503.00002", authors=["Baptiste Rozière"]),
        ]
    )
    assert Author.objects.filter(key="baptiste roziere").count() == 1
    names = dict(PaperAuthor.objects.filter(position=0).values_list("paper__arxiv_id", "name"))
    assert names == {"2503.00001": "Baptiste Roziere", "2503.00002": "Baptiste Rozière"}
    body = client.get("/api/papers/2503.00002").json()
    assert [author["name"] for author in body["authors"]] == ["Baptiste Rozière"]
    assert "Baptiste Rozière" in client.get("/papers/2503.00002").content.decode()
    # Both spellings still find both papers: one identity for search.
    for spelling in ("roziere", "rozière"):
        found = search_papers(query=f"author:{spelling}").papers
        assert {row.paper.arxiv_id for row in found} == {"2503.00001", "2503.00002"}, spelling


def test_a_changed_spelling_on_reimport_updates_the_paper_and_a_repeat_changes_nothing():
    from paperfeed.papers.models import PaperAuthor

    papers_upsert(records=[_listed(18, authors=["Tat-Seng Chua", "Zheng Wang", "Zheng Wang"])])
    assert list(PaperAuthor.objects.values_list("name", flat=True)) == [
        "Tat-Seng Chua",
        "Zheng Wang",
    ]
    later = _listed(19, authors=["Tat-seng Chua", "Zheng Wang", "Zheng Wang"])
    assert _counts(papers_upsert(records=[later])) == (0, 1, 0, 0)
    assert list(PaperAuthor.objects.values_list("name", flat=True)) == [
        "Tat-seng Chua",
        "Zheng Wang",
    ]
    assert _counts(papers_upsert(records=[later])) == (0, 0, 1, 0)


def test_paper_counters_add_moves_both_counters_atomically():
    from paperfeed.papers.services import paper_counters_add

    papers_upsert(records=[rec()])
    paper = Paper.objects.get()
    paper_counters_add(paper_id=paper.pk, upvotes=2, comments=3)
    paper_counters_add(paper_id=paper.pk, upvotes=-1)
    paper.refresh_from_db()
    assert (paper.upvote_count, paper.comment_count) == (1, 3)


def test_merging_authors_keeps_each_papers_spelling_and_moves_claims():
    from paperfeed.community.models import AuthorClaim
    from paperfeed.papers.models import PaperAuthor
    from paperfeed.papers.services import authors_merge
    from tests.factories import UserFactory

    papers_upsert(
        records=[rec("2503.00001", authors=["Yann LeCun"]), rec("2503.00002", authors=["Y. LeCun"])]
    )
    keep, duplicate = Author.objects.get(key="yann lecun"), Author.objects.get(key="y. lecun")
    member, curator = UserFactory(), UserFactory()
    claim = AuthorClaim.objects.create(
        user=member, paper=Paper.objects.get(arxiv_id="2503.00002"), author=duplicate
    )
    assert authors_merge(curator=curator, keep=keep, duplicates=[duplicate]) == 1
    assert list(PaperAuthor.objects.order_by("paper__arxiv_id").values_list("author", "name")) == [
        (keep.pk, "Yann LeCun"),
        (keep.pk, "Y. LeCun"),
    ]
    claim.refresh_from_db()
    assert claim.author_id == keep.pk


def test_a_thumbnail_is_written_whole_and_a_failure_replaces_it(settings, tmp_path):
    from paperfeed.papers.models import Thumbnail
    from paperfeed.papers.services import thumbnail_fail, thumbnail_save
    from paperfeed.papers.thumbnails import thumbnail_path
    from tests.factories import PaperFactory
    from tests.helpers import webp_image

    settings.PAPERFEED_THUMBNAIL_DIR = tmp_path
    old = PaperFactory(arxiv_id="hep-th/9901001")
    image = webp_image()
    saved = thumbnail_save(paper=old, image=image, width=320, height=414)
    path = thumbnail_path("hep-th/9901001")
    assert path == tmp_path / "hep-th" / "hep-th_9901001.webp"
    assert path.read_bytes() == image and oct(path.stat().st_mode & 0o777) == "0o644"
    assert list(path.parent.iterdir()) == [path]  # no temporary file left
    assert (saved.state, saved.width, saved.height) == ("done", 320, 414)

    first = thumbnail_fail(paper=old, reason="x" * 900, retry_at=None)
    assert not path.exists() and first.state == "failed" and len(first.reason) == 500
    assert thumbnail_fail(paper=old, reason="again", retry_at=None).attempts == 2
    assert Thumbnail.objects.count() == 1
    assert thumbnail_save(paper=old, image=image, width=320, height=414).attempts == 1


@pytest.mark.django_db
@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1990, 12, 31)])
def test_curators_and_members_cannot_feature_a_day_out_of_bounds(day):
    from paperfeed.papers.services import FeaturedDayOutOfRange, featured_add, featured_submit
    from tests.factories import PaperFactory, UserFactory

    user, paper = UserFactory(), PaperFactory()
    with pytest.raises(FeaturedDayOutOfRange, match="between 1991-01-01 and"):
        featured_add(curator=user, paper=paper, day=day)
    with pytest.raises(FeaturedDayOutOfRange):
        featured_submit(member=user, paper=paper, day=day, submitter_name="ann")
    assert not Featured.objects.exists()


@pytest.mark.django_db
def test_a_paper_featured_by_hand_is_announced_once_committed_and_never_when_rolled_back(
    django_capture_on_commit_callbacks,
):
    from django.db import IntegrityError, transaction

    from paperfeed.papers.services import featured_add, featured_submit
    from paperfeed.papers.signals import paper_featured
    from tests.factories import PaperFactory, UserFactory

    heard: list[tuple[int, date]] = []

    def listen(*, paper_id, day, **_):
        heard.append((paper_id, day))

    paper, user, day = PaperFactory(), UserFactory(), date(2026, 1, 5)
    paper_featured.connect(listen, dispatch_uid="test.listen")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            featured_add(curator=user, paper=paper, day=day)
        assert heard == [(paper.pk, day)]
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(IntegrityError),
            transaction.atomic(),
        ):
            featured_submit(member=user, paper=paper, day=day, submitter_name="ann")
        assert heard == [(paper.pk, day)] and not callbacks  # rolled back: nothing announced
    finally:
        paper_featured.disconnect(dispatch_uid="test.listen")
