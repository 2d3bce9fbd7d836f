"""A member's paper page from the shared body of its path (community/reader_parts.py and the
other apps' fillers): the same HTML as the page built for them alone, with their own vote,
save, collections, comment form, their own comments' Edit and Delete, and a curator's
controls; none of it in another reader's page."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.services import comment_create, upvote_add
from paperfeed.library.services import collection_create, saved_paper_add
from tests.core.test_readerslots import kept_bodies, normalised
from tests.factories import UserFactory, catalogue_paper
from tests.helpers import alone_and_filled, fresh_page_caches, signed_in

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
