import feedparser
import pytest

from paperfeed.library.services import collection_item_add
from tests.factories import CollectionFactory, UserFactory, catalogue_paper

pytestmark = pytest.mark.django_db


def test_a_public_collection_has_rss_and_atom_in_its_order_with_notes(client):
    owner = UserFactory(username="ada")
    collection = CollectionFactory(owner=owner, name="Attention", slug="attention", is_public=True)
    second = catalogue_paper("2401.00002", title="Second <b>paper</b>")
    first = catalogue_paper("2401.00001", title="First paper")
    collection_item_add(collection=collection, paper=first, note="Read me first")
    collection_item_add(collection=collection, paper=second)

    for suffix in ("atom", "rss"):
        response = client.get(f"/collections/ada/attention.{suffix}")
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.title.startswith("Attention")
        assert [e.title for e in feed.entries] == ["First paper", "Second <b>paper</b>"]
        assert "Read me first" in feed.entries[0].summary
        assert feed.entries[0].link.endswith("/papers/2401.00001")


def test_no_feed_for_a_private_collection_or_an_inactive_owner(client):
    private = CollectionFactory(owner=UserFactory(username="bob"), slug="mine")
    assert client.get("/collections/bob/mine.atom").status_code == 404
    gone = CollectionFactory(
        owner=UserFactory(username="cy", is_active=False), slug="x", is_public=True
    )
    assert client.get("/collections/cy/x.rss").status_code == 404
    assert private and gone
