from __future__ import annotations

import logging
from datetime import date

import pytest

from paperfeed.trending import links
from paperfeed.trending.models import Repository, UpvoteSnapshot
from tests.factories import PaperFactory, UserFactory, catalogue_paper

pytestmark = pytest.mark.django_db


def _repo(key: str, **fields) -> Repository:
    host, full = key.split("/", 1)
    return Repository.objects.create(key=key, host=host, full_name=full, **fields)


def test_code_link_scan_sets_auto_and_never_overrides_user(caplog):
    found = PaperFactory(abstract="Code: https://github.com/Lab/Model.git.")
    user_cleared = PaperFactory(
        abstract="Code: https://github.com/lab/other", code_url_source="user"
    )
    hostile = PaperFactory(
        abstract="See javascript://github.com/x/y and https://github.com.evil.io/a/b"
    )
    caplog.set_level(logging.INFO)
    summary = links.code_links_scan()
    found.refresh_from_db()
    user_cleared.refresh_from_db()
    hostile.refresh_from_db()
    assert (found.code_url, found.code_url_source) == ("https://github.com/Lab/Model", "auto")
    assert user_cleared.code_url == ""
    assert hostile.code_url == "" and sum(summary.refused.values()) == 2
    assert "github.com.evil.io" in caplog.text


def test_upvote_snapshots_recorded_by_the_importer():
    paper = catalogue_paper("2604.00001", featured_on=date(2026, 4, 2), featured_upvotes=12)
    snap = UpvoteSnapshot.objects.get(paper=paper)
    assert snap.count == 12 and snap.source == "hf"


def test_code_link_form_permissions_csrf_and_hostile_input(client):
    from django.test import Client

    from paperfeed.accounts.roles import curators_group
    from paperfeed.community.models import AuthorClaim
    from paperfeed.papers.models import Author

    paper = PaperFactory(code_url="https://github.com/auto/found", code_url_source="auto")
    url = f"/trending/papers/{paper.pk}/code"
    stranger = UserFactory(verified=True)
    client.force_login(stranger)
    client.post(url, {"code_url": "https://github.com/evil/repo"})
    paper.refresh_from_db()
    assert paper.code_url == "https://github.com/auto/found"  # refused: not theirs

    author = UserFactory(verified=True)
    AuthorClaim.objects.create(
        user=author, paper=paper, author=Author.objects.create(name="A", key="a"),
        status=AuthorClaim.Status.APPROVED,
    )  # fmt: skip
    client.force_login(author)
    for hostile in ("javascript:alert(1)", "https://github.com.evil.io/a/b", "x" * 5000):
        client.post(url, {"code_url": hostile})
        paper.refresh_from_db()
        assert paper.code_url == "https://github.com/auto/found", hostile
    response = client.post(url, {"code_url": "https://github.com/Lab/Real.git"})
    assert response.status_code == 302
    paper.refresh_from_db()
    assert (paper.code_url, paper.code_url_source) == ("https://github.com/Lab/Real", "user")
    links.code_links_scan()  # the automatic scan never overrides a person's choice
    paper.refresh_from_db()
    assert paper.code_url == "https://github.com/Lab/Real"

    curator = UserFactory(verified=True)
    curator.groups.add(curators_group())
    client.force_login(curator)
    client.post(url, {"code_url": ""})
    paper.refresh_from_db()
    assert (paper.code_url, paper.code_url_source) == ("", "user")

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(curator)
    assert csrf_client.post(url, {"code_url": "https://github.com/a/b"}).status_code == 403
    assert client.get(url).status_code == 405
    page = client.get(f"/papers/{paper.arxiv_id}").content.decode()
    assert 'name="code_url"' in page and "cleared by a person" in page
