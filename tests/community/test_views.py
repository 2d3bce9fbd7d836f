"""community/views.py: who reaches the curation pages (curator_required)."""

from __future__ import annotations

import pytest

from paperfeed.accounts.roles import curator_grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CURATION_POSTS = [
    "/curate/featured",
    "/curate/paper",
    "/curate/authors",
    "/curate/claims/1",
    "/curate/reports/1",
]


@pytest.mark.parametrize("url", ["/curate", *CURATION_POSTS])
def test_anonymous_readers_are_sent_to_sign_in_and_back(client, url):
    method = client.get if url == "/curate" else client.post
    response = method(url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login?next=" + url.replace("/", "%2F")


@pytest.mark.parametrize("url", CURATION_POSTS)
def test_members_who_are_not_curators_get_a_403(client, url):
    client.force_login(UserFactory())
    response = client.post(url)
    assert response.status_code == 403
    assert b"Only curators can open this page." in response.content


@pytest.mark.parametrize("url", CURATION_POSTS)
def test_curation_writes_are_post_only(client, url):
    user = UserFactory()
    curator_grant(user=user)
    client.force_login(user)
    assert client.get(url).status_code == 405


def test_a_curator_reaches_the_page(client):
    user = UserFactory()
    curator_grant(user=user)
    client.force_login(user)
    response = client.get("/curate")
    assert response.status_code == 200
    assert b"Only curators" not in response.content
