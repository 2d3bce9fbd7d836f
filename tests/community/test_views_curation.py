"""The curation pages (community/views.py) through the test client: who reaches them, featuring,
pinning and hiding, author merges and claims, featured days' bounds."""

from __future__ import annotations

import pytest

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.models import AuthorClaim
from paperfeed.papers.models import Author, Featured, PaperAuthor
from tests.factories import (
    AuthorFactory,
    PaperAuthorFactory,
    PaperFactory,
    UserFactory,
)

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


@pytest.fixture
def verified_member():
    return UserFactory(verified=True)


@pytest.fixture
def curator(client):
    user = UserFactory(username="curator", is_staff=True)
    curator_grant(user=user)
    client.force_login(user)
    return user


def test_members_cannot_curate(client):
    client.force_login(UserFactory())
    paper = PaperFactory()
    assert client.get("/curate").status_code == 403
    response = client.post(
        "/curate/featured", {"arxiv_id": paper.arxiv_id, "day": "2026-01-05", "action": "feature"}
    )
    assert response.status_code == 403
    assert not Featured.objects.exists()


def test_feature_pin_hide_unfeature(client, curator):
    paper = PaperFactory()
    base = {"arxiv_id": paper.arxiv_id, "day": "2026-01-05"}
    client.post("/curate/featured", {**base, "action": "feature", "comment": "Great read"})
    entry = Featured.objects.get(paper=paper)
    assert entry.source == Featured.Source.CURATOR and entry.comment == "Great read"
    client.post("/curate/featured", {**base, "action": "pin"})
    client.post("/curate/featured", {**base, "action": "hide"})
    entry.refresh_from_db()
    assert entry.pinned and entry.hidden
    client.post("/curate/featured", {**base, "action": "unfeature"})
    assert not Featured.objects.exists()
    bad = client.post("/curate/featured", {**base, "day": "yesterday", "action": "feature"})
    assert bad.status_code == 302 and not Featured.objects.exists()


def test_hide_paper(client, curator):
    paper = PaperFactory()
    client.post("/curate/paper", {"arxiv_id": paper.arxiv_id, "action": "hide"})
    paper.refresh_from_db()
    assert paper.hidden


def test_merge_authors(client, curator):
    keep, dup = AuthorFactory(name="Yann LeCun"), AuthorFactory(name="Y. LeCun")
    both = PaperFactory()
    PaperAuthorFactory(paper=both, author=keep, position=0)
    PaperAuthorFactory(paper=both, author=dup, position=1)
    only_dup = PaperFactory()
    PaperAuthorFactory(paper=only_dup, author=dup, position=0)
    client.post("/curate/authors", {"keep": keep.pk, "duplicates": str(dup.pk)})
    assert not Author.objects.filter(pk=dup.pk).exists()
    assert set(PaperAuthor.objects.values_list("paper_id", "author_id")) == {
        (both.pk, keep.pk),
        (only_dup.pk, keep.pk),
    }


def test_claim_authorship_and_approval(client, curator):
    member = UserFactory(username="lovelace")
    link = PaperAuthorFactory(author=AuthorFactory(name="Ada Lovelace"))
    client.force_login(member)
    client.post(f"/community/papers/{link.paper.pk}/claim", {"author": link.author.pk})
    claim = AuthorClaim.objects.get()
    assert claim.status == AuthorClaim.Status.PENDING
    assert link.paper.title.encode() not in client.get("/accounts/u/lovelace").content
    client.force_login(curator)
    assert b"Ada Lovelace" in client.get("/curate").content
    client.post(f"/curate/claims/{claim.pk}", {"action": "approve"})
    claim.refresh_from_db()
    assert claim.status == AuthorClaim.Status.APPROVED
    profile = client.get("/accounts/u/lovelace").content
    assert link.paper.title.encode() in profile and b"verified author" in profile


def test_claiming_a_non_author_is_refused(client):
    member = UserFactory()
    client.force_login(member)
    paper, stranger = PaperFactory(), AuthorFactory()
    client.post(f"/community/papers/{paper.pk}/claim", {"author": stranger.pk})
    assert not AuthorClaim.objects.exists()


def test_a_paper_featured_by_a_curator_or_a_member_gets_its_thumbnail_queued(
    client, curator, verified_member, django_capture_on_commit_callbacks
):
    from tests.helpers import queued_tasks

    curated, submitted = PaperFactory(), PaperFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/curate/featured",
            {"arxiv_id": curated.arxiv_id, "day": "2026-01-05", "action": "feature"},
        )
    client.force_login(verified_member)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/submit", {"arxiv_id": submitted.arxiv_id}).status_code == 302
    queued = [
        task.args_kwargs["kwargs"]["paper_ids"] for task in queued_tasks("thumbnails_build_task")
    ]
    assert sorted(queued) == sorted([[curated.pk], [submitted.pk]])


@pytest.mark.parametrize("day", ["9999-12-31", "1990-12-31", "0001-01-01"])
def test_a_featured_day_out_of_bounds_is_refused_with_a_message(client, curator, day):
    paper = PaperFactory()
    response = client.post(
        "/curate/featured",
        {"arxiv_id": paper.arxiv_id, "day": day, "action": "feature"},
        follow=True,
    )
    assert response.status_code == 200
    assert not Featured.objects.exists()
    assert "between 1991-01-01 and" in response.content.decode()


def test_tomorrow_is_the_last_featured_day_a_curator_may_give(client, curator):
    from datetime import timedelta

    from django.utils import timezone

    paper = PaperFactory()
    tomorrow = timezone.localdate() + timedelta(days=1)
    for day in (tomorrow, tomorrow + timedelta(days=1)):
        client.post(
            "/curate/featured",
            {"arxiv_id": paper.arxiv_id, "day": day.isoformat(), "action": "feature"},
        )
    assert list(Featured.objects.values_list("day", flat=True)) == [tomorrow]
