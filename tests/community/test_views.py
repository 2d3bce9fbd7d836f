"""The community pages (community/views.py) through the test client: comments, upvote buttons and
submissions (curation: test_views_curation.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils.html import escape

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.models import Comment, CommentReport, Upvote
from paperfeed.community.services import comment_create
from paperfeed.papers.models import Featured, Paper
from tests.factories import (
    FeaturedFactory,
    PaperFactory,
    UserFactory,
    catalogue_paper,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified_member():
    return UserFactory(verified=True)


def test_submit_page(client, verified_member):
    client.force_login(verified_member)
    paper = PaperFactory()
    response = client.post("/submit", {"arxiv_id": "nonsense"})
    assert response.status_code == 400 and b"not an arXiv id" in response.content
    response = client.post("/submit", {"arxiv_id": paper.arxiv_id})
    assert response.status_code == 302
    assert Featured.objects.filter(paper=paper).exists()
    FeaturedFactory()  # another day's entry does not count against anyone
    assert Paper.objects.count() == 2


@pytest.fixture
def member(client):
    user = UserFactory(username="alice", verified=True)
    client.force_login(user)
    return user


def _post(client, paper, body, **extra):
    return client.post(
        f"/community/papers/{paper.pk}/comments", {"body": body, "next": "/here", **extra}
    )


def test_threaded_reply_and_markdown(client, member):
    paper = PaperFactory()
    UserFactory(username="bob")
    response = _post(client, paper, "I like **this**, @bob. See [code](https://example.org).")
    assert response.status_code == 302
    top = Comment.objects.get()
    assert "<strong>this</strong>" in top.body_html
    assert 'href="/accounts/u/bob"' in top.body_html
    assert 'rel="nofollow' in top.body_html
    _post(client, paper, "A reply", parent=top.pk)
    reply = Comment.objects.exclude(pk=top.pk).get()
    assert reply.parent == top
    paper.refresh_from_db()
    assert paper.comment_count == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<script>alert(1)</script>", b"not HTML"),
        ('<img src=x onerror="alert(1)">', b"not HTML"),
        ("<b>bold</b>", b"not HTML"),
        ("x" * 1_000_000, b"the limit is 10,000"),
        ("Thanks @nobody_here", b"No member is called @nobody_here"),
        ("   ", b"empty"),
    ],
)
def test_bad_comments_are_refused_clearly_and_store_nothing(client, member, body, message):
    paper = PaperFactory()
    response = _post(client, paper, body)
    # Back to the paper page, where the editor holds the text and says why.
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{paper.arxiv_id}#comment-form"
    page = client.get(response["Location"]).content
    assert message in page and b'role="alert"' in page
    kept = body[:20_000].strip()
    if kept:
        assert escape(body[:20_000]).encode() in page
    assert not Comment.objects.exists()
    paper.refresh_from_db()
    assert paper.comment_count == 0


def test_edit_page_refuses_other_members(client, member):
    comment = comment_create(user=UserFactory(), paper=PaperFactory(), body="theirs")
    assert client.get(f"/community/comments/{comment.pk}/edit").status_code == 403
    assert client.post(f"/community/comments/{comment.pk}/edit", {"body": "x"}).status_code == 403


def test_delete_keeps_the_thread_and_updates_the_count(client, member):
    paper = PaperFactory()
    comment = comment_create(user=member, paper=paper, body="oops")
    reply = comment_create(user=UserFactory(), paper=paper, body="reply", parent=comment)
    client.post(f"/community/comments/{comment.pk}/delete")
    comment.refresh_from_db()
    assert comment.deleted and comment.body == ""
    assert Comment.objects.filter(pk=reply.pk).exists()
    paper.refresh_from_db()
    assert paper.comment_count == 1
    # Deleting twice changes nothing.
    client.post(f"/community/comments/{comment.pk}/delete")
    paper.refresh_from_db()
    assert paper.comment_count == 1


def test_report_then_moderator_hides(client, member):
    paper = PaperFactory()
    comment = comment_create(user=UserFactory(), paper=paper, body="spam spam")
    client.post(f"/community/comments/{comment.pk}/report", {"reason": "spam"})
    client.post(f"/community/comments/{comment.pk}/report", {"reason": "spam again"})
    assert CommentReport.objects.filter(comment=comment).count() == 1
    # A member who is not a moderator cannot hide it.
    assert client.post(f"/community/comments/{comment.pk}/hide").status_code == 403
    comment.refresh_from_db()
    assert not comment.hidden
    moderator = UserFactory()
    curator_grant(user=moderator)
    client.force_login(moderator)
    client.post(f"/community/comments/{comment.pk}/hide")
    comment.refresh_from_db()
    paper.refresh_from_db()
    assert comment.hidden and paper.comment_count == 0
    assert not CommentReport.objects.filter(resolved=False).exists()


def test_comments_need_sign_in_and_post(client):
    paper = PaperFactory()
    assert client.get(f"/community/papers/{paper.pk}/comments").status_code == 405
    response = _post(client, paper, "hello")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert not Comment.objects.exists()


def test_comment_rate_limit(client, member, settings):
    settings.PAPERFEED_RATE_COMMENT = "2/m"
    paper = PaperFactory()
    responses = [_post(client, paper, f"comment {i}") for i in range(3)]
    assert [r["Location"].split("#")[1] for r in responses] == [
        *(f"comment-{c.pk}" for c in Comment.objects.order_by("pk")),
        "comment-form",
    ]
    assert Comment.objects.count() == 2
    # The refused third comment is kept in the editor, with the reason.
    page = client.get(responses[2]["Location"]).content.decode()
    assert "Too many comments in a short time" in page
    assert ">comment 2</textarea>" in page
    # Shown once: a reload shows the empty editor.
    assert "comment 2" not in client.get(responses[2]["Location"]).content.decode()
    # Scripts still get a 429.
    response = client.post(
        f"/community/papers/{paper.pk}/comments", {"body": "x"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 429


def test_plain_form_post_votes_then_unvotes(client):
    paper, user = PaperFactory(), UserFactory()
    client.force_login(user)
    url = f"/community/papers/{paper.pk}/upvote"
    response = client.post(url, {"next": "/papers/x"})
    assert response.status_code == 302 and response["Location"] == "/papers/x"
    paper.refresh_from_db()
    assert paper.upvote_count == 1
    client.post(url)
    paper.refresh_from_db()
    assert paper.upvote_count == 0


def test_json_answer_for_the_script(client):
    paper, user = PaperFactory(), UserFactory()
    client.force_login(user)
    response = client.post(f"/community/papers/{paper.pk}/upvote", HTTP_ACCEPT="application/json")
    assert response.json() == {"upvoted": True, "count": 1}


def test_the_button_changes_to_the_one_count_at_once(client):
    """The count the script puts in the button is the one shown everywhere (source + local),
    not the local votes alone: '▲ 0' beside '462 upvotes in all' was the bug."""
    paper = catalogue_paper("2602.00901", featured_on=date(2026, 2, 2), featured_upvotes=462)
    client.force_login(UserFactory())
    url = f"/community/papers/{paper.pk}/upvote"
    page = client.get("/papers/2602.00901").content.decode()
    assert re.search(r'<span class="upvote-count"[^>]*>462</span>', page)
    assert "upvotes in all" not in page
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.json() == {"upvoted": True, "count": 463}
    page = client.get("/papers/2602.00901").content.decode()
    assert re.search(r'<span class="upvote-count"[^>]*>463</span>', page)
    assert "463 (462 at the source, 1 here)" in page
    assert client.post(url, HTTP_ACCEPT="application/json").json()["count"] == 462


def test_anonymous_is_asked_to_sign_in(client):
    paper = PaperFactory()
    response = client.post(f"/community/papers/{paper.pk}/upvote", {"next": "/papers/x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=")
    data = client.post(
        f"/community/papers/{paper.pk}/upvote", HTTP_ACCEPT="application/json"
    ).json()
    assert data["login_url"].startswith("/accounts/login") and "sign in" in data["error"]
    assert not Upvote.objects.exists()


def test_upvote_is_post_only_and_csrf_protected():
    from django.test import Client

    paper, user = PaperFactory(), UserFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get(f"/community/papers/{paper.pk}/upvote").status_code == 405
    assert strict.post(f"/community/papers/{paper.pk}/upvote").status_code == 403
    assert not Upvote.objects.exists()


def test_vote_on_hidden_paper_is_refused(client):
    paper = PaperFactory(hidden=True)
    client.force_login(UserFactory())
    response = client.post(f"/community/papers/{paper.pk}/upvote", HTTP_ACCEPT="application/json")
    assert response.status_code == 409 and "hidden" in response.json()["error"]
    assert not Upvote.objects.exists()


def test_offsite_next_is_ignored(client):
    paper = PaperFactory()
    client.force_login(UserFactory())
    response = client.post(f"/community/papers/{paper.pk}/upvote", {"next": "https://evil.example"})
    assert "evil" not in response["Location"]


def test_a_refused_reply_comes_back_as_a_reply_with_its_text(client, member):
    paper = PaperFactory()
    top = comment_create(user=UserFactory(), paper=paper, body="first")
    response = _post(client, paper, "Thanks @nobody_at_all", parent=top.pk)
    page = client.get(response["Location"]).content.decode()
    assert "No member is called @nobody_at_all" in page
    assert ">Thanks @nobody_at_all</textarea>" in page
    assert f'<input type="hidden" name="parent" value="{top.pk}">' in page
    assert 'class="comment-form comment-form--refused"' in page
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("minutes_old, editable", [(14, True), (16, False)])
def test_the_thread_offers_edit_exactly_when_the_edit_is_accepted(
    client, settings, minutes_old, editable
):
    from datetime import timedelta

    from django.utils import timezone

    settings.PAPERFEED_COMMENT_EDIT_MINUTES = 15
    user = UserFactory()
    paper = catalogue_paper("2601.00042")
    comment = comment_create(user=user, paper=paper, body="first")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_old)
    )
    client.force_login(user)
    page = client.get(f"/papers/{paper.arxiv_id}").content.decode()
    assert (f"/community/comments/{comment.pk}/edit" in page) is editable
    response = client.post(f"/community/comments/{comment.pk}/edit", {"body": "second"})
    assert (response.status_code == 302) is editable
    assert Comment.objects.get(pk=comment.pk).body == ("second" if editable else "first")


def test_the_edit_window_includes_its_last_moment(settings):
    from datetime import timedelta

    from django.utils import timezone

    from paperfeed.community.selectors import comment_editable, comment_editable_since

    settings.PAPERFEED_COMMENT_EDIT_MINUTES = 15
    comment = comment_create(user=UserFactory(), paper=PaperFactory(), body="first")
    now = comment.created_at + timedelta(minutes=15)
    assert comment_editable_since(now=now) == comment.created_at
    assert comment_editable(comment=comment, now=now)
    assert not comment_editable(comment=comment, now=now + timedelta(microseconds=1))
    assert timezone.is_aware(comment_editable_since(now=timezone.now()))
