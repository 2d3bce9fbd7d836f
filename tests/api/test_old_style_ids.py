"""Old-style arXiv ids carry a slash (hep-th/9901001); every API route and the Markdown URL
must reach them, and what follows the id must still route."""

from __future__ import annotations

import pytest

from paperfeed.accounts.services import token_create
from tests.api.conftest import make_paper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_paper(db):
    return make_paper("hep-th/9901001", title="Strings before the millennium")


def test_paper_info_comments_and_similar(client, old_paper):
    info = client.get("/api/papers/hep-th/9901001")
    assert info.status_code == 200
    assert info.json()["id"] == "hep-th/9901001"
    assert info.json()["title"] == "Strings before the millennium"
    # With a version and with the subject class, as arXiv writes them.
    assert client.get("/api/papers/hep-th/9901001v2").json()["id"] == "hep-th/9901001"
    comments = client.get("/api/papers/hep-th/9901001/comments")
    assert comments.status_code == 200 and comments.json() == []
    assert client.get("/api/papers/hep-th/9901001/similar").status_code == 200
    missing = client.get("/api/papers/hep-th/9901002")
    assert missing.status_code == 404 and "error" in missing.json()


def test_upvote_and_comment_on_an_old_style_id(client, old_paper):
    token = token_create(user=UserFactory(verified=True), name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    vote = client.post("/api/papers/hep-th/9901001/upvote", **auth)
    assert vote.status_code == 200
    assert client.get("/api/papers/hep-th/9901001").json()["upvotes"] == 1
    posted = client.post(
        "/api/papers/hep-th/9901001/comment",
        {"comment": "A classic."},
        content_type="application/json",
        **auth,
    )
    assert posted.status_code in (200, 201), posted.content
    assert [c["body"] for c in client.get("/api/papers/hep-th/9901001/comments").json()] == [
        "A classic."
    ]


def test_markdown_of_an_old_style_id(client, old_paper):
    response = client.get("/papers/hep-th/9901001.md")
    assert response.status_code == 200
    assert response.content.decode().startswith("# Strings before the millennium")
