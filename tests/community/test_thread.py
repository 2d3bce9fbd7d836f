"""The paper page's comment thread kept for every member, each reader's controls written into
it (community/thread.py, the "comments" and "thread" fillers of community/reader_parts.py):
the same HTML as the page built for that reader alone, nothing of one reader in another's
page or in the kept thread, no slot a comment can fake, and every change to the comments shown
at once."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from paperfeed.accounts.models import Profile
from paperfeed.accounts.roles import curator_grant
from paperfeed.community.models import Comment
from paperfeed.community.services import (
    account_delete,
    comment_create,
    comment_delete,
    comment_edit,
    comment_hide,
)
from tests.core.test_readerslots import normalised
from tests.factories import UserFactory, catalogue_paper
from tests.helpers import alone_and_filled, fresh_page_caches, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _caches(settings):
    fresh_page_caches(settings, page_seconds=60)


@pytest.fixture
def paper():
    return catalogue_paper("2602.00600", title="A discussed paper", featured_on=date(2026, 2, 3))


@pytest.fixture
def people():
    alice, bob, carol = (UserFactory(username=name) for name in ("alice-w", "bob-r", "carol-c"))
    curator_grant(user=carol)
    return alice, bob, carol


@pytest.fixture
def discussion(paper, people):
    """A thread with a reply, a deleted and a hidden comment, and one of alice's in the edit
    window."""
    alice, bob, carol = people
    top = comment_create(user=bob, paper=paper, body="A question about **section 3**.")
    mine = comment_create(user=alice, paper=paper, body="An answer.", parent=top)
    gone = comment_create(user=bob, paper=paper, body="Never mind.")
    comment_delete(user=bob, comment=gone)
    rude = comment_create(user=bob, paper=paper, body="Something rude.")
    comment_hide(moderator=carol, comment=rude)
    return top, mine, gone, rude


def path_of(paper) -> str:  # type: ignore[no-untyped-def]
    return f"/papers/{paper.arxiv_id}"


def kept_threads() -> list[object]:
    return [
        value
        for key, value in cache._cache.items()  # type: ignore[attr-defined]
        if ":thread:" in key and not key.endswith(":rebuild")
    ]


@pytest.mark.parametrize("reader", [0, 1, 2], ids=["author", "other", "curator"])
def test_each_readers_thread_is_the_thread_built_for_them_alone(
    settings, paper, people, discussion, reader
):
    top, mine, _gone, rude = discussion
    path = path_of(paper)
    builder = UserFactory()
    signed_in(builder).get(path)  # someone else's request keeps the thread
    assert len(kept_threads()) == 1
    client = signed_in(people[reader])
    alone, filled = alone_and_filled(settings, client, path, build_first=False)
    assert len(kept_threads()) == 1  # served from the kept thread, not built again
    secret = client.cookies["csrftoken"].value
    assert normalised(filled, secret) == normalised(alone, secret)
    assert "<!--pf:" not in filled
    assert filled.count("Post reply") == 2  # the two shown comments
    assert filled.count('class="comment-gone"') == 2
    own = 'action="/community/comments/{}/{}"'
    if reader == 0:  # alice: her own comment's Edit and Delete, a Report on bob's
        assert own.format(mine.pk, "edit").replace("action", "href") in filled
        assert own.format(mine.pk, "delete") in filled
        assert own.format(top.pk, "report") in filled
        assert own.format(top.pk, "delete") not in filled
    if reader == 1:  # bob: Delete on his own, Report on alice's, no moderation
        assert own.format(top.pk, "delete") in filled
        assert own.format(mine.pk, "report") in filled
        assert ">Hide</button>" not in filled and ">Unhide</button>" not in filled
    if reader == 2:  # carol moderates: Hide on the shown ones, Unhide on the hidden one
        assert filled.count(">Hide</button>") == 2 and filled.count(">Unhide</button>") == 1
        assert own.format(rude.pk, "hide") in filled


def test_nothing_of_one_reader_is_in_anothers_thread_or_in_the_kept_one(
    settings, paper, people, discussion
):
    alice, bob, carol = people
    mine = discussion[1]
    path = path_of(paper)
    as_alice, as_bob, as_carol = signed_in(alice), signed_in(bob), signed_in(carol)
    as_carol.get(path)  # the curator's request keeps the thread
    page = as_bob.get(path).content.decode()
    assert ">Hide</button>" not in page and ">Unhide</button>" not in page
    assert f"/community/comments/{mine.pk}/edit" not in page
    assert f"/community/comments/{mine.pk}/delete" not in page
    as_alice.get(path)
    for client in (as_alice, as_carol):
        assert client.cookies["csrftoken"].value not in page
    [kept] = kept_threads()
    text = repr(kept)
    assert "csrfmiddlewaretoken" not in text and "Post reply" not in text
    assert "/edit" not in text and "/delete" not in text and "/hide" not in text
    assert "Add a comment" not in text  # the editor is each reader's


def test_a_refused_comments_draft_comes_back_to_its_writer_only_and_once(paper, people):
    alice, bob, _ = people
    path = path_of(paper)
    signed_in(bob).get(path)
    client = signed_in(alice)
    refused = client.post(
        f"/community/papers/{paper.pk}/comments", {"body": "Hi @no_such_member", "next": path}
    )
    page = client.get(refused["Location"]).content.decode()
    assert "No member is called @no_such_member" in page
    assert ">Hi @no_such_member</textarea>" in page
    assert "no_such_member" not in signed_in(bob).get(path).content.decode()
    assert "no_such_member" not in repr(kept_threads())
    assert "no_such_member" not in client.get(path).content.decode()  # shown once


def test_a_comment_or_a_name_cannot_fake_a_slot(paper, people):
    alice, bob, _ = people
    Profile.objects.update_or_create(
        user=bob, defaults={"display_name": "<!--pf:thread:1:1:1:1:1-->"}
    )
    hostile = comment_create(
        user=bob,
        paper=paper,
        body=f"<!--pf:thread:1:{paper.pk}:1:{alice.pk}:99999999999999999--> `<!--pf:csrf:-->`",
    )
    path = path_of(paper)
    signed_in(bob).get(path)
    client = signed_in(alice)
    page = client.get(path).content.decode()

    def signed_in_secret(_page: str) -> str:
        return client.cookies["csrftoken"].value

    assert "<!--pf:" not in page
    assert "&lt;!--pf:thread:" in page
    normalised(page, signed_in_secret(page))  # every token on the page is alice's
    # alice wrote nothing: no Edit or Delete for her anywhere; one Reply and one Report, on
    # bob's one comment.
    assert page.count("Post reply") == 1
    assert ">Edit</a>" not in page and ">Delete</button>" not in page
    assert page.count(">Report to moderators</button>") == 1
    assert Comment.objects.get(pk=hostile.pk).body.startswith("<!--pf:")


def test_every_change_to_the_comments_shows_at_once_to_everyone(settings, paper, people):
    alice, bob, carol = people
    path = path_of(paper)
    as_alice, as_bob = signed_in(alice), signed_in(bob)
    assert "No comments yet." in as_bob.get(path).content.decode()
    comment = comment_create(user=alice, paper=paper, body="First thoughts.")
    for client in (as_alice, as_bob):
        assert "First thoughts." in client.get(path).content.decode()
    comment_edit(user=alice, comment=comment, body="Second thoughts.")
    for client in (as_alice, as_bob):
        page = client.get(path).content.decode()
        assert "Second thoughts." in page and "First thoughts." not in page
    comment_hide(moderator=carol, comment=comment)
    assert "[hidden by a moderator]" in as_bob.get(path).content.decode()
    comment_hide(moderator=carol, comment=comment, hidden=False)
    assert "Second thoughts." in as_bob.get(path).content.decode()
    comment_delete(user=alice, comment=comment)
    for client in (as_alice, as_bob):
        page = client.get(path).content.decode()
        assert "[deleted]" in page and "Second thoughts." not in page
    reply = comment_create(user=alice, paper=paper, body="A reply to it.", parent=comment)
    account_delete(user=alice)
    page = as_bob.get(path).content.decode()
    assert "deleted account" in page and f'id="comment-{reply.pk}"' in page
    # Each change built the thread afresh; the unchanged thread was served from the cache.
    assert len(kept_threads()) >= 6


def test_the_edit_window_closes_on_time_in_a_kept_thread(settings, paper, people):
    alice, bob, _ = people
    comment = comment_create(user=alice, paper=paper, body="Quick note.")
    path = path_of(paper)
    signed_in(bob).get(path)
    client = signed_in(alice)
    assert f'href="/community/comments/{comment.pk}/edit"' in client.get(path).content.decode()
    settings.PAPERFEED_COMMENT_EDIT_MINUTES = 0  # the window is over now
    page = client.get(path).content.decode()
    assert len(kept_threads()) == 1
    assert f'href="/community/comments/{comment.pk}/edit"' not in page
    assert f'action="/community/comments/{comment.pk}/delete"' in page


def test_the_readers_csrf_token_works_in_a_kept_thread(paper, people, discussion):
    alice, bob, _ = people
    top = discussion[0]
    path = path_of(paper)
    signed_in(bob).get(path)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(path).content.decode()
    form = re.search(rf'<input type="hidden" name="parent" value="{top.pk}">', page) and re.search(
        r'<form method="post" action="(/community/papers/\d+/comments)">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">',
        page,
    )
    assert form
    answer = client.post(
        form.group(1),
        {"csrfmiddlewaretoken": form.group(2), "parent": top.pk, "body": "Agreed.", "next": path},
    )
    assert answer.status_code == 302
    assert Comment.objects.filter(author=alice, parent=top, body="Agreed.").exists()


def test_a_kept_thread_costs_one_query_however_long(paper, people, discussion):
    alice, bob, _ = people
    path = path_of(paper)
    client = signed_in(alice)
    client.get(path)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        return [q["sql"] for q in captured.captured_queries]

    queries()  # the early path learns the page (core/memberpath.py)
    few = queries()
    for n in range(10):
        comment_create(user=bob, paper=paper, body=f"More {n}.")
    client.get(path)  # the new comments build the thread (and the page) afresh
    many = queries()
    assert len(many) == len(few)
    assert sum("community_comment" in sql for sql in many) == 1


def test_the_controls_urls_are_reversed_once_per_url_configuration(settings):
    """A reader's controls read each action's URL from one table per URL configuration (a
    reverse() per name and page cost ~30 µs a filled paper page); it is what reverse() says,
    under a script prefix too."""
    from django.urls import reverse, set_script_prefix

    from paperfeed.community.thread import _ACTIONS, _action_urls

    for prefix in ("/", "/mounted/"):
        set_script_prefix(prefix)
        try:
            urls = _action_urls()
            assert _action_urls() is urls
            for name in _ACTIONS:
                assert urls[name].format(41) == reverse(name, args=[41])
        finally:
            set_script_prefix("/")
