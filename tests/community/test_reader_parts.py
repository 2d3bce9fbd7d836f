"""A member's paper page from the shared body of its path (community/reader_parts.py and the
other apps' fillers): the same HTML as the page built for them alone, with their own vote,
save, collections, comment form, their own comments' Edit and Delete, and a curator's
controls; none of it in another reader's page."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.models import Comment
from paperfeed.community.services import comment_create, upvote_add
from paperfeed.core import bodykeep
from paperfeed.library.services import collection_create, saved_paper_add
from paperfeed.papers.models import Author, Paper
from tests.core import test_bodykeep as bodykeep_tests
from tests.core.test_bodykeep import _claim, _comment
from tests.core.test_readerslots import kept_bodies, normalised
from tests.factories import UserFactory, catalogue_paper
from tests.helpers import alone_and_filled, counted_calls, fresh_page_caches, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _caches(settings):
    fresh_page_caches(settings, page_seconds=60)


@pytest.fixture
def paper():
    return catalogue_paper("2602.00500", title="A paper", featured_on=date(2026, 2, 3))


def test_a_members_paper_page_is_the_page_built_for_them_alone(settings, paper):
    alice, bob = UserFactory(username="alice-writer"), UserFactory(username="bob-reader")
    upvote_add(user=alice, paper=paper)
    saved_paper_add(user=alice, paper=paper)
    collection_create(owner=alice, name="Alice's private shelf")
    comment_create(user=alice, paper=paper, body="Mine, *still editable*.")
    comment_create(user=bob, paper=paper, body="<!--pf:menu:--> a hostile comment")
    client = signed_in(alice)
    path = f"/papers/{paper.arxiv_id}"
    signed_in(bob).get(path)  # bob's request builds the shared body
    alone, filled = alone_and_filled(settings, client, path)
    assert len(kept_bodies()) == 1
    secret = client.cookies["csrftoken"].value
    assert normalised(filled, secret) == normalised(alone, secret)
    assert "<!--pf:" not in filled
    assert "is-voted" in filled and "is-saved" in filled
    assert "Alice&#x27;s private shelf" in filled
    assert ">Edit</a>" in filled and filled.count(">Delete</button>") == 1


def test_nothing_of_one_reader_reaches_anothers_paper_page(paper):
    alice, bob = UserFactory(username="alice-writer"), UserFactory(username="bob-reader")
    upvote_add(user=alice, paper=paper)
    saved_paper_add(user=alice, paper=paper)
    collection_create(owner=alice, name="Alice's private shelf")
    comment_create(user=alice, paper=paper, body="Mine.")
    path = f"/papers/{paper.arxiv_id}"
    as_alice, as_bob = signed_in(alice), signed_in(bob)
    assert "Alice&#x27;s private shelf" in as_alice.get(path).content.decode()
    page = as_bob.get(path).content.decode()
    assert "private shelf" not in page and "alice-writer</a></li>" not in page
    assert "is-voted" not in page and "is-saved" not in page
    assert ">Edit</a>" not in page and ">Delete</button>" not in page
    assert "Report to moderators" in page
    assert as_alice.cookies["csrftoken"].value not in page


def test_a_curators_controls_are_filled_for_the_curator_only(settings, paper):
    curator, reader = UserFactory(), UserFactory()
    curator_grant(user=curator)
    comment_create(user=reader, paper=paper, body="A comment to moderate.")
    client = signed_in(curator)
    path = f"/papers/{paper.arxiv_id}"
    signed_in(reader).get(path)  # the reader builds the shared body
    alone, filled = alone_and_filled(settings, client, path)
    secret = client.cookies["csrftoken"].value
    assert normalised(filled, secret) == normalised(alone, secret)
    assert 'class="code-link-form"' in filled and ">Hide</button>" in filled
    cache.clear()
    client.get(path)  # now the curator builds the shared body
    page = signed_in(reader).get(path).content.decode()
    assert len(kept_bodies()) == 1
    assert 'class="code-link-form"' not in page and ">Hide</button>" not in page


@pytest.fixture
def kept_paper() -> Paper:
    return bodykeep_tests.kept_paper()


@pytest.fixture
def thread_builds(monkeypatch):
    """How many times a paper's comment thread was built."""
    from paperfeed.community.templatetags import community

    return counted_calls(monkeypatch, community.selectors, "comment_thread")


def _display_name(paper: Paper) -> str:
    from paperfeed.accounts.models import Profile

    Profile.objects.filter(user__username="commenter").update(display_name="Renamed Reader")
    return "Renamed Reader"


def _author_renamed(paper: Paper) -> str:
    Author.objects.filter(name="Alan Turing").update(name="A. M. Turing")
    return "A. M. Turing</option>"


THREAD_CHANGES = {
    "display name": _display_name,
    "approved claim": _claim,
    "author renamed": _author_renamed,
    "comment": _comment,
}


@pytest.mark.parametrize("change", THREAD_CHANGES)
def test_a_comment_thread_is_kept_while_what_it_shows_holds(
    settings, kept_paper, thread_builds, monkeypatch, change
):
    """Renewed at each interval's end while its names hold (comment_names_query), built again
    at once for a new comment (its version) and within the interval for a changed name."""
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 1
    monkeypatch.setattr(bodykeep, "_next_midnight", lambda now: now + 86400)
    paper = kept_paper
    old = timezone.now() - timedelta(days=3)
    commenter = UserFactory(username="commenter", verified=True)
    comment = comment_create(user=commenter, paper=paper, body="An old comment.")
    type(comment).objects.filter(pk=comment.pk).update(created_at=old)
    reader = signed_in(UserFactory())
    path = f"/papers/{paper.arxiv_id}"
    before = reader.get(path).content.decode()
    assert thread_builds[0] == 1
    time.sleep(1.2)  # past the interval (1 s): the thread is still the kept one
    reader.get(path)
    assert thread_builds[0] == 1
    shown = THREAD_CHANGES[change](paper)
    if change != "comment":  # the comment version moves at once; the names within the interval
        time.sleep(1.2)
    page = reader.get(path).content.decode()
    assert shown not in before and shown in page
    assert thread_builds[0] == 2


def test_a_comment_shown_in_minutes_keeps_its_thread_until_its_words_move_on(
    settings, kept_paper, thread_builds
):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 1
    paper = kept_paper
    comment = comment_create(user=UserFactory(verified=True), paper=paper, body="A new one.")
    # "just now" for 5 s more, then "1 minute ago" (core/templatetags/times.words_until).
    start = time.time()
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(seconds=55))
    reader = signed_in(UserFactory())
    path = f"/papers/{paper.arxiv_id}"
    assert "just now" in reader.get(path).content.decode()
    time.sleep(1.2)
    assert "just now" in reader.get(path).content.decode()
    assert thread_builds[0] == 1  # renewed
    time.sleep(max(0.0, start + 6.5 - time.time()))
    assert "1 minute ago" in reader.get(path).content.decode()
    assert thread_builds[0] == 2
