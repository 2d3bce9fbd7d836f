"""The library routes (api/handlers/library.py): public collections for anyone, a member's own
library and private collections with their token only."""

from __future__ import annotations

import pytest

from paperfeed.accounts.services import token_create
from paperfeed.library.models import SavedPaper
from paperfeed.library.services import collection_item_add, saved_paper_add, saved_paper_edit
from tests.api.conftest import auth
from tests.factories import CollectionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", verified=True)


@pytest.fixture
def collections(ada, catalogue):
    public = CollectionFactory(owner=ada, name="Open", slug="open", is_public=True)
    private = CollectionFactory(owner=ada, name="Secret", slug="secret")
    collection_item_add(collection=public, paper=catalogue["b"], note="first")
    collection_item_add(collection=public, paper=catalogue["a"])
    collection_item_add(collection=private, paper=catalogue["c"])
    return public, private


def test_public_collections_are_listed_private_ones_never(client, collections):
    response = client.get("/api/collections")
    assert response.status_code == 200
    listed = response.json()
    assert [c["slug"] for c in listed] == ["open"]
    assert listed[0]["size"] == 2 and listed[0]["feedUrl"].endswith("/collections/ada/open.atom")


def test_one_collection_in_order_with_notes(client, collections):
    body = client.get("/api/collections/ada/open").json()
    assert [item["paper"]["id"] for item in body["papers"]] == ["2503.00002", "2503.00001"]
    assert body["papers"][0]["note"] == "first"


def test_a_private_collection_is_404_except_with_its_owners_token(client, ada, collections, token):
    assert client.get("/api/collections/ada/secret").status_code == 404
    assert client.get("/api/collections/ada/secret", **auth(token)).status_code == 404
    own = token_create(user=ada, name="mine")
    body = client.get("/api/collections/ada/secret", **auth(own)).json()
    assert body["public"] is False and body["papers"][0]["paper"]["id"] == "2503.00003"
    assert client.get("/api/collections/nobody/x").status_code == 404


def test_library_is_the_tokens_member_only(client, ada, catalogue, token):
    saved = saved_paper_add(user=ada, paper=catalogue["a"])
    saved_paper_edit(saved=saved, note="note", tags="rl")
    assert client.get("/api/library").status_code == 401
    assert client.get("/api/library", **auth(token)).json() == []  # another member's token
    own = token_create(user=ada, name="mine")
    body = client.get("/api/library", **auth(own)).json()
    assert body[0]["paper"]["id"] == "2503.00001"
    assert body[0]["note"] == "note" and body[0]["tags"] == ["rl"] and body[0]["savedAt"]


def test_save_and_unsave_with_a_token(client, catalogue, token):
    assert client.post("/api/papers/2503.00001/save").status_code == 401
    response = client.post("/api/papers/2503.00001/save", **auth(token))
    assert response.status_code == 200 and response.json() == {"saved": True}
    assert client.post("/api/papers/2503.00001/save", **auth(token)).json() == {"saved": True}
    assert SavedPaper.objects.count() == 1
    assert client.delete("/api/papers/2503.00001/save", **auth(token)).json() == {"saved": False}
    assert not SavedPaper.objects.exists()
    assert client.post("/api/papers/2599.99999/save", **auth(token)).status_code == 404


def test_bad_paging_is_a_400(client):
    assert client.get("/api/collections?limit=0").status_code == 400
    assert client.get("/api/collections?offset=-1").status_code == 400
