from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.models import Comment, CommentReport
from paperfeed.community.services import (
    CommentRefused,
    comment_create,
    comment_edit,
    comment_hide,
)
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


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
    assert response.status_code == 400
    assert message in response.content
    assert not Comment.objects.exists()
    paper.refresh_from_db()
    assert paper.comment_count == 0


def test_javascript_links_are_neutralised():
    paper, user = PaperFactory(), UserFactory()
    comment = comment_create(
        user=user, paper=paper, body="[click](javascript:alert(1)) and [x](data:text/html,hi)"
    )
    assert 'href="javascript:' not in comment.body_html and "<a" not in comment.body_html
    assert 'href="data:' not in comment.body_html


def test_code_may_show_html():
    comment = comment_create(
        user=UserFactory(), paper=PaperFactory(), body="Use `<div onclick=x>` here"
    )
    assert "&lt;div onclick=x&gt;" in comment.body_html
    assert "<div" not in comment.body_html


def test_edit_within_the_window_only(settings):
    user = UserFactory()
    comment = comment_create(user=user, paper=PaperFactory(), body="first")
    comment_edit(user=user, comment=comment, body="second *take*")
    comment.refresh_from_db()
    assert "<em>take</em>" in comment.body_html and comment.edited_at
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    comment.refresh_from_db()
    with pytest.raises(CommentRefused, match="can no longer be changed"):
        comment_edit(user=user, comment=comment, body="third")
    comment.refresh_from_db()
    assert comment.body == "second *take*"


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


def test_hidden_comment_cannot_be_hidden_by_a_plain_member():
    comment = comment_create(user=UserFactory(), paper=PaperFactory(), body="fine")
    with pytest.raises(Exception, match="Only moderators"):
        comment_hide(moderator=UserFactory(), comment=comment)


def test_comments_need_sign_in_and_post(client):
    paper = PaperFactory()
    assert client.get(f"/community/papers/{paper.pk}/comments").status_code == 405
    response = _post(client, paper, "hello")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert not Comment.objects.exists()


def test_comment_rate_limit(client, member, settings):
    settings.PAPERFEED_RATE_COMMENT = "2/m"
    paper = PaperFactory()
    codes = [_post(client, paper, f"comment {i}").status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert Comment.objects.count() == 2
