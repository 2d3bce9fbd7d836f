"""How long a member's kept body is kept (core/bodykeep.py): a paper page's body and its comment
thread are not built again while what they show holds (one read at each interval's end), are
built again at once when their version moves (a vote, a comment, an edit, a featured change)
and within the interval when anything else they show changes; a file they show, a time in
minutes and the day bound them too. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.services import claim_create, claim_decide, comment_create, upvote_add
from paperfeed.core import bodykeep
from paperfeed.core.templatetags.times import ago, when, words_until
from paperfeed.papers import views as paper_views
from paperfeed.papers.glance.models import PaperGlance
from paperfeed.papers.models import Author, Featured, Paper
from paperfeed.papers.services import (
    authors_merge,
    featured_add,
    featured_hide,
    paper_code_link_user_set,
    thumbnail_save,
)
from paperfeed.papers.similar import selectors as similar_selectors
from paperfeed.papers.similar.models import SimilarPaper
from paperfeed.trending.models import Repository, StarSnapshot, UpvoteSnapshot
from tests.factories import UserFactory, catalogue_paper
from tests.helpers import counted_calls, fresh_page_caches, signed_in, webp_image

pytestmark = pytest.mark.django_db

DAY = date(2026, 2, 3)


@pytest.fixture(autouse=True)
def _caches(settings, monkeypatch, tmp_path):
    fresh_page_caches(settings, page_seconds=1, card_seconds=3600)
    # A kept page watches which similar-papers index is live (DATA_DIR/similar): other tests'
    # workers build theirs in the shared var/ while these run, which rebuilt a kept page here.
    settings.DATA_DIR = tmp_path
    # Not near a midnight, whenever the suite runs: the day's bound has a test of its own.
    monkeypatch.setattr(bodykeep, "_next_midnight", lambda now: now + 86400)


def kept_paper() -> Paper:
    """The paper whose kept page (and thread) these tests and the thread's watch."""
    return catalogue_paper(
        "2602.00500",
        title="A kept paper",
        authors=("Ada Lovelace", "Alan Turing"),
        featured_on=DAY,
        featured_upvotes=4,
    )


@pytest.fixture
def paper():
    return kept_paper()


@pytest.fixture
def builds(monkeypatch):
    """How many times the paper page's view built a page."""
    return counted_calls(monkeypatch, paper_views.selectors, "paper_detail")


def _kept_copy() -> object:
    keys = [key.split(":", 2)[2] for key in cache._cache if ":members:v4:" in key]  # type: ignore[attr-defined]
    assert len(keys) == 1
    return cache.get(keys[0])


def test_a_paper_page_is_not_built_again_while_what_it_shows_holds(paper, builds):
    reader = signed_in(UserFactory())
    path = f"/papers/{paper.arxiv_id}"
    before = time.time()
    assert reader.get(path).status_code == 200
    assert builds[0] == 1
    # Fresh for the interval (1 s), and renewed after it, up to the safety bound.
    kept = _kept_copy()
    assert kept.fresh_until <= time.time() + 1  # type: ignore[attr-defined]
    assert kept.value.renew[2] >= before + bodykeep.VERSIONED_KEEP_SECONDS * 0.74  # type: ignore[attr-defined]
    for _ in range(2):
        time.sleep(1.2)
        for _ in range(3):
            assert reader.get(path).status_code == 200
    assert builds[0] == 1
    # A list page is kept for the interval too (renewed after it: tests/papers/test_list_shown.py).
    reader.get("/papers")
    kept = [key for key in cache._cache if ":members:v4:" in key]  # type: ignore[attr-defined]
    lists = [cache.get(key.split(":", 2)[2]) for key in kept]
    assert min(copy.fresh_until for copy in lists) <= time.time() + 1


def _curator() -> object:
    curator = UserFactory(verified=True)
    curator_grant(user=curator)
    return curator


def _claim(paper: Paper) -> str:
    member = UserFactory(verified=True)
    claim = claim_create(user=member, paper=paper, author=Author.objects.get(name="Ada Lovelace"))
    claim_decide(curator=_curator(), claim=claim, approve=True)
    return 'Ada Lovelace</a><span class="verified-badge"'


def _thumbnail(paper: Paper) -> str:
    thumbnail_save(paper=paper, image=webp_image(), width=320, height=414)
    return f'src="/thumbs/{paper.arxiv_id}.webp?v='


def _glance(paper: Paper) -> str:
    PaperGlance.objects.update_or_create(
        paper=paper,
        defaults={
            "keywords": ["kept bodies"],
            "summary": "We keep bodies.",
            "text_key": "k",
            "computed_at": timezone.now(),
        },
    )
    return "kept bodies"


def _similar(paper: Paper) -> str:
    other = catalogue_paper("2602.00501", title="A neighbouring paper")
    SimilarPaper.objects.create(paper=paper, neighbour=other, rank=0, score=0.9)
    return "A neighbouring paper"


def _featured(paper: Paper) -> str:
    featured_add(curator=_curator(), paper=paper, day=date(2026, 1, 15))
    return "/papers/date/2026-01-15"


def _featured_hidden(paper: Paper) -> str:
    featured_hide(curator=_curator(), featured=Featured.objects.get(paper=paper))
    return "!<dt>Featured</dt>"  # "!": no longer shown


def _stars(paper: Paper) -> str:
    paper_code_link_user_set(paper_id=paper.pk, url="https://github.com/example/kept")
    return "github.com/example/kept"


def _upvote_snapshot(paper: Paper) -> str:
    UpvoteSnapshot.objects.create(
        paper=paper, taken_at=datetime(2026, 2, 4, 12, tzinfo=UTC), count=40, source="hf"
    )
    return "40 on 04 Feb 2026"


def _merge(paper: Paper) -> str:
    keep = Author.objects.create(name="Ada King", key="ada king")
    authors_merge(
        curator=_curator(), keep=keep, duplicates=[Author.objects.get(name="Ada Lovelace")]
    )
    return f'href="/authors/{keep.pk}-'


def _edit(paper: Paper) -> str:
    # As a raw write (no updated_at): the row's own columns are in the version.
    Paper.objects.filter(pk=paper.pk).update(title="An edited title")
    return "An edited title"


def _vote(paper: Paper) -> str:
    upvote_add(user=UserFactory(), paper=paper)
    return "(4 at the source, 1 here)"


def _comment(paper: Paper) -> str:
    comment_create(user=UserFactory(verified=True), paper=paper, body="A kept comment.")
    return "A kept comment."


# What the version read on every request covers: shown at once.
AT_ONCE = {
    "vote": _vote,
    "comment": _comment,
    "edit": _edit,
    "featured": _featured,
    "featured hidden": _featured_hidden,
    "code link": _stars,
}
# The rest of what the page shows: read when the body's interval is over.
WITHIN_THE_INTERVAL = {
    "approved claim": _claim,
    "thumbnail": _thumbnail,
    "glance": _glance,
    "similar papers": _similar,
    "upvote history": _upvote_snapshot,
    "authors merged": _merge,
}


@pytest.mark.parametrize("change", [*AT_ONCE, *WITHIN_THE_INTERVAL])
def test_each_change_shows(settings, tmp_path, paper, builds, change):
    settings.PAPERFEED_THUMBNAIL_DIR = tmp_path
    reader = signed_in(UserFactory())
    path = f"/papers/{paper.arxiv_id}"
    reader.get(path)  # then learnt by the early path (core/memberpath.py), checked too
    time.sleep(1.2)
    before = reader.get(path).content.decode()  # renewed, not built
    assert builds[0] == 1
    shown = {**AT_ONCE, **WITHIN_THE_INTERVAL}[change](paper)
    if change in WITHIN_THE_INTERVAL:
        time.sleep(1.2)
    page = reader.get(path).content.decode()
    if shown.startswith("!"):
        assert shown[1:] in before and shown[1:] not in page
    else:
        assert shown not in before and shown in page
    assert builds[0] == 2
    reader.get(path)
    assert builds[0] == 2  # and kept again


def test_a_star_snapshot_and_a_hidden_neighbour_show_within_the_interval(settings, paper, builds):
    paper_code_link_user_set(paper_id=paper.pk, url="https://github.com/example/kept")
    neighbour = catalogue_paper("2602.00501", title="A neighbouring paper")
    SimilarPaper.objects.create(paper=paper, neighbour=neighbour, rank=0, score=0.9)
    reader = signed_in(UserFactory())
    path = f"/papers/{paper.arxiv_id}"
    page = reader.get(path).content.decode()
    assert "A neighbouring paper" in page and "GitHub stars" not in page
    repository = Repository.objects.create(
        key="github.com/example/kept", host="github.com", full_name="example/kept"
    )
    for days, stars in ((3, 10), (1, 30)):
        StarSnapshot.objects.create(
            repository=repository, stars=stars, taken_at=timezone.now() - timedelta(days=days)
        )
    time.sleep(1.2)
    assert "GitHub stars" in reader.get(path).content.decode()
    # A count written again in place (same snapshot row).
    StarSnapshot.objects.filter(stars=30).update(stars=31)
    built = builds[0]
    time.sleep(1.2)
    reader.get(path)
    assert builds[0] == built + 1
    Paper.objects.filter(pk=neighbour.pk).update(hidden=True)
    time.sleep(1.2)
    assert "A neighbouring paper" not in reader.get(path).content.decode()


def test_the_star_charts_window_bounds_the_keep(paper):
    paper_code_link_user_set(paper_id=paper.pk, url="https://github.com/example/kept")
    repository = Repository.objects.create(
        key="github.com/example/kept", host="github.com", full_name="example/kept"
    )
    oldest = timezone.now() - timedelta(days=89, hours=23)
    StarSnapshot.objects.create(repository=repository, stars=10, taken_at=oldest)
    StarSnapshot.objects.create(repository=repository, stars=12, taken_at=timezone.now())
    signed_in(UserFactory()).get(f"/papers/{paper.arxiv_id}")
    until = _kept_copy().value.renew[2]  # type: ignore[attr-defined]
    assert until <= (oldest + timedelta(days=90)).timestamp() + 1


def test_a_lost_thumbnail_file_shows_the_placeholder_within_the_interval(
    settings, tmp_path, paper, builds
):
    settings.PAPERFEED_THUMBNAIL_DIR = tmp_path
    thumbnail_save(paper=paper, image=webp_image(), width=320, height=414)
    reader = signed_in(UserFactory())
    path = f"/papers/{paper.arxiv_id}"
    assert "pf-thumb--placeholder" not in reader.get(path).content.decode()
    reader.get(path)
    for file in tmp_path.rglob("*.webp"):
        file.unlink()
    time.sleep(1.2)
    assert "pf-thumb--placeholder" in reader.get(path).content.decode()
    assert builds[0] == 2


def test_a_similar_index_going_live_shows_within_the_interval(
    settings, tmp_path, paper, builds, monkeypatch
):
    settings.DATA_DIR = tmp_path
    reader = signed_in(UserFactory())
    path = f"/papers/{paper.arxiv_id}"
    assert similar_selectors.NOT_BUILT_MESSAGE in reader.get(path).content.decode()
    reader.get(path)
    assert builds[0] == 1
    # A build goes live (its files replaced by a stand-in that knows the paper).
    (tmp_path / "similar").mkdir()
    (tmp_path / "similar" / "CURRENT").write_text("build-1")
    monkeypatch.setattr(
        similar_selectors, "live_index", lambda: SimpleNamespace(position=lambda pk: 0)
    )
    time.sleep(1.2)
    assert similar_selectors.NONE_MESSAGE in reader.get(path).content.decode()
    assert builds[0] == 2


def test_a_time_in_minutes_or_hours_bounds_the_body_at_the_moment_its_words_move_on():
    with bodykeep.keep_build() as keep:
        when(timezone.now() - timedelta(days=3))
        when(date.today() - timedelta(days=3))
    assert not keep.short and keep.until > time.time() + 2600  # the safety bound alone
    shown = timezone.now() - timedelta(minutes=5, seconds=10)
    with bodykeep.keep_build() as keep:
        assert "5 minutes ago" in when(shown)
    # Renewable ("6 minutes ago" from 6 minutes on), not kept past that.
    assert not keep.short
    assert keep.until == (shown + timedelta(minutes=6)).timestamp()
    shown = timezone.now() - timedelta(hours=3, minutes=50)
    with bodykeep.keep_build() as keep:
        assert "3 hours ago" in when(shown)
    assert keep.until == (shown + timedelta(hours=4)).timestamp()
    bodykeep.short_lived()  # outside a build: nothing to bound
    bodykeep.keep_until(0)


@pytest.mark.parametrize(
    ("seconds", "next_change"),
    [
        (0, 60),  # "just now" until a minute
        (59.5, 60),
        (60, 120),  # "1 minute ago" until two
        (3599, 3600),  # "59 minutes ago" until "1 hour ago"
        (3600, 7200),
        (86399, 86400),  # "23 hours ago" until the day's words
        (-30, 60),  # a little ahead (clocks differ): "just now"
        (-600, -60),  # further ahead shows its date until a minute before it
    ],
)
def test_the_words_of_a_time_within_the_day_change_at_whole_minutes_then_hours(
    seconds, next_change
):
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    now = moment + timedelta(seconds=seconds)
    assert words_until(moment, now) == moment.timestamp() + next_change
    before, after = ago(moment, now), ago(moment, now + timedelta(seconds=next_change - seconds))
    if seconds >= 0:
        assert ago(moment, moment + timedelta(seconds=next_change - 0.5)) == before
        assert after != before


def test_a_featured_day_under_way_keeps_the_paper_page_for_the_interval(paper, builds):
    Featured.objects.filter(paper=paper).update(day=timezone.now().date())
    reader = signed_in(UserFactory())
    path = f"/papers/{paper.arxiv_id}"
    reader.get(path)
    assert _kept_copy().fresh_until <= time.time() + 1  # type: ignore[attr-defined]
    time.sleep(1.2)
    reader.get(path)
    assert builds[0] == 2


def test_bodies_turn_at_midnight_utc_and_local(settings, monkeypatch):
    monkeypatch.undo()
    settings.TIME_ZONE = "America/New_York"
    now = datetime(2026, 3, 1, 22, 30, tzinfo=UTC).timestamp()  # 17:30 in New York
    assert bodykeep._next_midnight(now) == datetime(2026, 3, 2, tzinfo=UTC).timestamp()
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC).timestamp()  # 21:00 the day before there
    assert bodykeep._next_midnight(now) == datetime(2026, 3, 2, 5, tzinfo=UTC).timestamp()


def test_the_code_signature_moves_with_a_setting(settings):
    first = bodykeep.code_signature()
    assert bodykeep.code_signature() == first
    settings.SITE_URL = "https://elsewhere.example"
    bodykeep.code_signature.cache_clear()  # as a process started with it would have it
    assert bodykeep.code_signature() != first
    bodykeep.code_signature.cache_clear()
