"""A member's kept list body (a featured day, week or month, ``/papers/new``) is renewed, not
built again, while everything it shows holds (papers/list_shown.py: one read of its frame, its
papers in order and what each shows, at each interval's end), and built again within the
interval when any of it changes: a vote that reorders the list, a source count, a title, a new
paper, a pin, a hidden entry or paper, an approved claim, a thumbnail, a glance. On SQLite and
PostgreSQL alike."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.services import claim_create, claim_decide, upvote_add
from paperfeed.core import bodykeep
from paperfeed.papers import views as paper_views
from paperfeed.papers.glance.models import PaperGlance
from paperfeed.papers.list_shown import papers_shown
from paperfeed.papers.models import Author, Featured, Paper
from paperfeed.papers.services import featured_hide, featured_pin, paper_hide, thumbnail_save
from tests.factories import UserFactory, catalogue_paper
from tests.helpers import counted_calls, fresh_page_caches, signed_in, webp_image

pytestmark = pytest.mark.django_db

DAY = date(2026, 2, 3)
FEATURED_PATHS = ("/papers", "/papers/week/2026-W06", "/papers/month/2026-02")


@pytest.fixture(autouse=True)
def _caches(settings, monkeypatch, tmp_path):
    fresh_page_caches(settings, page_seconds=1, card_seconds=3600)
    settings.DATA_DIR = tmp_path
    settings.PAPERFEED_THUMBNAIL_DIR = tmp_path
    # Not near a midnight, whenever the suite runs (core/bodykeep.py's day bound).
    monkeypatch.setattr(bodykeep, "_next_midnight", lambda now: now + 86400)


@pytest.fixture
def papers() -> tuple[Paper, Paper]:
    first = catalogue_paper("2602.00601", title="First paper", featured_on=DAY, featured_upvotes=5)
    second = catalogue_paper(
        "2602.00602", title="Second paper", featured_on=DAY, featured_upvotes=4
    )
    return first, second


@pytest.fixture
def builds(monkeypatch):
    """How many times a featured list or /papers/new was built (their views' row reads)."""
    featured = counted_calls(monkeypatch, paper_views.selectors, "featured_list")
    new = counted_calls(monkeypatch, paper_views.selectors, "new_papers")
    return lambda: featured[0] + new[0]


def _curator() -> object:
    curator = UserFactory(verified=True)
    curator_grant(user=curator)
    return curator


def _kept_lists() -> list[object]:
    keys = [key.split(":", 2)[2] for key in cache._cache if ":members:v4:" in key]  # type: ignore[attr-defined]
    return [cache.get(key) for key in keys]


def _before(page: str, first: str, second: str) -> bool:
    return page.index(first) < page.index(second)


# Each change, and what the next page shows after it ("!": no longer shows).
def _vote(first: Paper, second: Paper) -> str:
    for _ in range(2):  # 4 + 2 here against 5: the second paper moves up
        upvote_add(user=UserFactory(), paper=second)
    return "order"


def _source_count(first: Paper, second: Paper) -> str:
    # As an import of the source's list writes it (no updated_at).
    Featured.objects.filter(paper=second).update(upvotes=9)
    return "order"


def _pin(first: Paper, second: Paper) -> str:
    featured_pin(curator=_curator(), featured=Featured.objects.get(paper=second))
    return "order"


def _title(first: Paper, second: Paper) -> str:
    Paper.objects.filter(pk=first.pk).update(title="An edited title")  # no updated_at either
    return "An edited title"


def _new_paper(first: Paper, second: Paper) -> str:
    catalogue_paper("2602.00603", title="A third paper", featured_on=DAY, featured_upvotes=1)
    return "A third paper"


def _entry_hidden(first: Paper, second: Paper) -> str:
    featured_hide(curator=_curator(), featured=Featured.objects.get(paper=first))
    return "!First paper"


def _claim(first: Paper, second: Paper) -> str:
    member = UserFactory(verified=True)
    author = Author.objects.get(name="Ada Lovelace")
    claim = claim_create(user=member, paper=first, author=author)
    claim_decide(curator=_curator(), claim=claim, approve=True)
    return "verified-badge"


def _thumbnail(first: Paper, second: Paper) -> str:
    thumbnail_save(paper=first, image=webp_image(), width=320, height=414)
    return f'src="/thumbs/{first.arxiv_id}.webp?v='


def _glance(first: Paper, second: Paper) -> str:
    PaperGlance.objects.update_or_create(
        paper=first,
        defaults={
            "keywords": ["kept lists"],
            "summary": "We keep lists.",
            "text_key": "k",
            "computed_at": timezone.now(),
        },
    )
    return "We keep lists."


CHANGES = {
    "vote": _vote,
    "source count": _source_count,
    "pin": _pin,
    "title": _title,
    "new paper": _new_paper,
    "entry hidden": _entry_hidden,
    "approved claim": _claim,
    "thumbnail": _thumbnail,
    "glance": _glance,
}


@pytest.mark.parametrize("path", FEATURED_PATHS)
def test_a_featured_list_is_renewed_while_what_it_shows_holds(papers, builds, path):
    reader = signed_in(UserFactory())
    first = reader.get(path).content.decode()
    assert _before(first, "First paper", "Second paper")
    assert builds() == 1
    for _ in range(2):
        time.sleep(1.2)
        for _ in range(2):  # the stack's fill, then the early path's (core/memberpath.py)
            page = reader.get(path).content.decode()
            assert _before(page, "First paper", "Second paper")
    assert builds() == 1
    # Fresh for the interval only (renewed after it), with what renewing it checks.
    (kept,) = _kept_lists()
    assert kept.fresh_until <= time.time() + 1  # type: ignore[attr-defined]
    assert kept.value.renew is not None  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", FEATURED_PATHS)
@pytest.mark.parametrize("change", CHANGES)
def test_each_change_to_a_featured_list_shows_within_the_interval(papers, builds, path, change):
    reader = signed_in(UserFactory())
    reader.get(path)
    time.sleep(1.2)
    before = reader.get(path).content.decode()  # renewed, not built
    assert builds() == 1
    shown = CHANGES[change](*papers)
    time.sleep(1.2)
    page = reader.get(path).content.decode()
    if shown == "order":
        assert _before(before, "First paper", "Second paper")
        assert _before(page, "Second paper", "First paper")
    elif shown.startswith("!"):
        assert shown[1:] in before and shown[1:] not in page
    else:
        assert shown not in before and shown in page
    assert builds() == 2
    time.sleep(1.2)
    reader.get(path)
    assert builds() == 2  # and renewed again


def _newest(arxiv_id: str, title: str, day: int) -> Paper:
    return catalogue_paper(arxiv_id, title=title, published=datetime(2026, 2, day, tzinfo=UTC))


def test_papers_new_is_renewed_and_shows_a_new_paper_an_edit_and_a_hide(builds):
    older = _newest("2602.00611", "An older paper", 2)
    _newest("2602.00612", "A newer paper", 3)
    reader = signed_in(UserFactory())
    path = "/papers/new"
    assert _before(reader.get(path).content.decode(), "A newer paper", "An older paper")
    time.sleep(1.2)
    reader.get(path)
    assert builds() == 1
    _newest("2602.00613", "The newest paper", 4)
    time.sleep(1.2)
    page = reader.get(path).content.decode()
    assert _before(page, "The newest paper", "A newer paper")
    assert "3 papers" in page
    assert builds() == 2
    Paper.objects.filter(pk=older.pk).update(title="An edited older paper")
    time.sleep(1.2)
    assert "An edited older paper" in reader.get(path).content.decode()
    paper_hide(curator=_curator(), paper=older)
    time.sleep(1.2)
    assert "An edited older paper" not in reader.get(path).content.decode()
    assert builds() == 4
    time.sleep(1.2)
    reader.get(path)
    assert builds() == 4


def test_what_the_papers_show_is_read_in_one_statement_in_id_order(
    papers, django_assert_num_queries
):
    first, second = papers
    with django_assert_num_queries(1):
        rows = papers_shown([second.pk, first.pk])
    assert [row[0] for row in rows] == [first.pk, second.pk]
    assert papers_shown([]) == []
    Paper.objects.filter(pk=second.pk).update(title="Moved")
    assert papers_shown([first.pk, second.pk]) != rows
