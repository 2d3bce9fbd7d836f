"""GET /api/for-you (api/handlers/foryou.py): the token's member's recommendations, the same
items and reasons as /papers/for-you; never without a token, never a hidden paper, never another
member's private paper in a reason."""

from __future__ import annotations

import pytest

from paperfeed.accounts.services import token_create
from paperfeed.recs import selectors, services
from paperfeed.recs.services import paper_hide
from tests.api.conftest import auth
from tests.factories import PaperFactory, SavedPaperFactory, UserFactory
from tests.recs.test_views import community, similar

pytestmark = pytest.mark.django_db

FOR_YOU = "/api/for-you"


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", verified=True)


@pytest.fixture
def ada_token(ada):
    return token_create(user=ada, name="mine")


def test_a_token_is_required(client, ada):
    SavedPaperFactory(user=ada, paper=PaperFactory())
    for headers in ({}, auth("not-a-token"), auth("x" * 600), {"HTTP_AUTHORIZATION": "Basic a"}):
        response = client.get(FOR_YOU, **headers)
        assert response.status_code == 401
        assert response.json()["error"].startswith("a valid token is required")
        assert response["WWW-Authenticate"] == 'Bearer realm="paperfeed"'
    # A signed-in session is not a token: the API's private reads need one.
    client.force_login(ada)
    assert client.get(FOR_YOU).status_code == 401


def test_nothing_to_go_on_yet(client, ada_token):
    response = client.get(FOR_YOU, **auth(ada_token))
    assert response.status_code == 200
    assert response.json() == {"items": [], "signals": 0, "trained": False}
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_same_items_and_reasons_as_the_page(client, ada, ada_token):
    mine = PaperFactory(title="Attention is a paper")
    near, nearer = PaperFactory(title="Near"), PaperFactory(title="Nearer")
    theirs = PaperFactory(title="What the others keep")
    similar(mine, nearer, near)
    community(mine, theirs, readers=3)
    SavedPaperFactory(user=ada, paper=mine)
    services.model_train()

    body = client.get(FOR_YOU, **auth(ada_token)).json()

    expected = selectors.for_you(user=ada, limit=30).items
    assert [i["paper"]["id"] for i in body["items"]] == [e.row.paper.arxiv_id for e in expected]
    assert [i["reason"] for i in body["items"]] == [e.reason for e in expected]
    assert {i["paper"]["id"] for i in body["items"]} == {p.arxiv_id for p in (near, nearer, theirs)}
    by_id = {i["paper"]["id"]: i for i in body["items"]}
    assert by_id[theirs.arxiv_id]["via"] == "collaborative"
    assert (
        by_id[theirs.arxiv_id]["reason"] == "Popular with readers who saved “Attention is a paper”"
    )
    assert by_id[nearer.arxiv_id]["via"] == "content"
    assert by_id[nearer.arxiv_id]["because"] == {"id": mine.arxiv_id, "title": mine.title}
    assert by_id[nearer.arxiv_id]["paper"]["title"] == "Nearer"
    assert (body["signals"], body["trained"]) == (1, True)
    # The page lists the same papers in the same order.
    client.force_login(ada)
    page = client.get("/papers/for-you").content.decode()
    positions = [page.index(f"/papers/{i['paper']['id']}") for i in body["items"]]
    assert positions == sorted(positions)
    # limit cuts the same list.
    first = client.get(FOR_YOU + "?limit=1", **auth(ada_token)).json()["items"]
    assert [i["paper"]["id"] for i in first] == [body["items"][0]["paper"]["id"]]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "many", "1e9"])
def test_a_bad_limit_is_a_clear_400(client, ada_token, limit):
    response = client.get(FOR_YOU + f"?limit={limit}", **auth(ada_token))
    assert response.status_code == 400
    assert response.json()["error"].startswith("limit:")


def test_a_hidden_paper_never_appears(client, ada, ada_token):
    mine, unwanted, wanted = PaperFactory(), PaperFactory(title="Not for me"), PaperFactory()
    similar(mine, unwanted, wanted)
    SavedPaperFactory(user=ada, paper=mine)
    listed = [i["paper"]["id"] for i in client.get(FOR_YOU, **auth(ada_token)).json()["items"]]
    assert unwanted.arxiv_id in listed

    paper_hide(user=ada, paper=unwanted)
    # Neither by content nor, after training, through the collaborative model.
    community(mine, unwanted, readers=3)
    services.model_train()

    listed = [i["paper"]["id"] for i in client.get(FOR_YOU, **auth(ada_token)).json()["items"]]
    assert unwanted.arxiv_id not in listed and wanted.arxiv_id in listed


def test_another_members_private_library_never_reaches_the_reasons(client, ada, ada_token):
    """Bob's private papers point at the same target as ada's: the reason names ada's paper
    only. A pairing only two private libraries hold (below PAPERFEED_RECS_MIN_READERS) never
    reaches her at all, and bob's token gets bob's list, never ada's."""
    bob, carol = UserFactory(username="bob"), UserFactory()
    mine = PaperFactory(title="Ada's own paper")
    bobs = PaperFactory(title="Bob's secret reading")
    target = PaperFactory()
    similar(mine, target)
    similar(bobs, target)
    SavedPaperFactory(user=ada, paper=mine)
    SavedPaperFactory(user=bob, paper=bobs)
    private = PaperFactory(title="Bob and Carol's private pairing")
    for member in (bob, carol):
        SavedPaperFactory(user=member, paper=mine)
        SavedPaperFactory(user=member, paper=private)
    services.model_train()

    response = client.get(FOR_YOU, **auth(ada_token))
    text = response.content.decode()
    [item] = response.json()["items"]
    assert item["paper"]["id"] == target.arxiv_id
    assert item["because"] == {"id": mine.arxiv_id, "title": "Ada's own paper"}
    for leaked in ("Bob's secret", private.title, bobs.arxiv_id, private.arxiv_id, "bob"):
        assert leaked not in text
    bobs_list = client.get(FOR_YOU, **auth(token_create(user=bob, name="b"))).json()
    assert bobs_list["signals"] == 3
    assert all(
        i["because"]["id"] in {mine.arxiv_id, bobs.arxiv_id, private.arxiv_id}
        for i in bobs_list["items"]
    )


def test_a_deactivated_members_token_is_refused(client, ada, ada_token):
    ada.is_active = False
    ada.save(update_fields=["is_active"])
    assert client.get(FOR_YOU, **auth(ada_token)).status_code == 401
