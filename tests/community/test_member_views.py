"""The member profile page and deleting one's account (community/member_views.py)."""

# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from paperfeed.community.models import Comment, Upvote
from paperfeed.community.services import comment_create, upvote_add
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_delete_account_keeps_anonymised_comments_and_exact_counts(client):
    user = UserFactory(username="leaving", email="leaving@example.org")
    paper = PaperFactory()
    upvote_add(user=user, paper=paper)
    comment = comment_create(user=user, paper=paper, body="Nice work")
    client.force_login(user)
    wrong = client.post("/accounts/settings/delete", {"password": "nope"})
    assert wrong.status_code == 302 and User.objects.filter(pk=user.pk).exists()
    response = client.post("/accounts/settings/delete", {"password": "correct horse battery"})
    assert response.status_code == 200
    assert not User.objects.filter(username="leaving").exists()
    comment.refresh_from_db()
    assert comment.author is None and comment.body == "Nice work"
    paper.refresh_from_db()
    assert paper.upvote_count == 0 and not Upvote.objects.exists()
    assert Comment.objects.count() == 1


def test_profile_lists_activity(client):
    user = UserFactory(username="curie")
    paper = PaperFactory(title="Radioactivity revisited")
    upvote_add(user=user, paper=paper)
    response = client.get("/accounts/u/curie")
    assert response.status_code == 200
    assert b"Radioactivity revisited" in response.content
    assert client.get("/accounts/u/nobody-here").status_code == 404


def test_profile_previews_comments_as_rendered_text_not_markdown(client):
    user = UserFactory(username="noether")
    comment_create(
        user=user,
        paper=PaperFactory(),
        body="**Symmetry** gives $\\alpha_i$, see https://example.org/x " + "word " * 80,
    )
    html = client.get("/accounts/u/noether").content.decode()
    assert "<strong>Symmetry</strong>" in html and "**Symmetry**" not in html
    assert '<span class="math">α<sub><i>i</i></sub></span>' in html
    assert '<a href="https://example.org/x"' in html
    # Cut to a preview, its tags still closed.
    assert "word " * 80 not in html and "…" in html
    assert '<time datetime="' in html and ">just now</time>" in html
