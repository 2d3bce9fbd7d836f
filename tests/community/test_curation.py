from __future__ import annotations

import pytest
from django.utils import timezone

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.models import AuthorClaim, Comment
from paperfeed.community.services import comment_create
from paperfeed.papers.models import Author, Featured, PaperAuthor
from tests.factories import (
    AuthorFactory,
    FeaturedFactory,
    PaperAuthorFactory,
    PaperFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


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


def test_admin_pages_and_bulk_actions(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    paper = PaperFactory()
    comment = comment_create(user=UserFactory(), paper=paper, body="rude")
    entry = FeaturedFactory(paper=paper, day=timezone.localdate())
    for url in [
        "/admin/papers/paper/?q=" + paper.arxiv_id,
        "/admin/papers/featured/?pinned__exact=0",
        "/admin/papers/author/",
        "/admin/community/comment/?hidden__exact=0",
        "/admin/community/commentreport/",
        "/admin/community/authorclaim/",
        "/admin/accounts/apitoken/",
        "/admin/auth/user/",
        "/admin/ingest/ingestrun/",
    ]:
        assert client.get(url).status_code == 200, url
    client.post("/admin/community/comment/", {"action": "hide", "_selected_action": [comment.pk]})
    client.post("/admin/papers/featured/", {"action": "pin", "_selected_action": [entry.pk]})
    comment.refresh_from_db()
    entry.refresh_from_db()
    paper.refresh_from_db()
    assert comment.hidden and entry.pinned and paper.comment_count == 0
    assert Comment.objects.count() == 1


def test_curator_command_grants_the_role():
    from io import StringIO

    from django.core.management import call_command

    from paperfeed.accounts.roles import is_curator

    user = UserFactory(username="newcurator")
    call_command("curator", "add", "newcurator", stdout=StringIO())
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert is_curator(user)
