"""Acceptance: concurrent upvotes over real HTTP through the API are counted exactly."""

from __future__ import annotations

import threading

import httpx
import pytest

from paperfeed.accounts.services import token_create
from paperfeed.community.models import Upvote
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Argon2 is slow on purpose; 200 throw-away test users need no strong password hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _all_at_once(calls):
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []
    lock = threading.Lock()

    def run(call):
        barrier.wait()
        status = call()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return statuses


def _vote(url, token, method="POST"):
    def call():
        with httpx.Client(timeout=120) as client:
            return client.request(method, url, headers={"Authorization": f"Bearer {token}"})

    return lambda: call().status_code


@pytest.mark.long
def test_200_users_upvote_one_paper_at_once(live_server):
    paper = PaperFactory()
    tokens = [token_create(user=UserFactory(), name="load") for _ in range(200)]
    url = f"{live_server.url}/api/papers/{paper.arxiv_id}/upvote"
    statuses = _all_at_once([_vote(url, token) for token in tokens])
    assert statuses == [200] * 200
    paper.refresh_from_db()
    assert paper.upvote_count == 200 == Upvote.objects.filter(paper=paper).count()

    # And 50 of them withdraw at once.
    statuses = _all_at_once([_vote(url, token, "DELETE") for token in tokens[:50]])
    assert statuses == [200] * 50
    paper.refresh_from_db()
    assert paper.upvote_count == 150 == Upvote.objects.filter(paper=paper).count()


def test_same_user_upvoting_twice_at_once_counts_once(live_server):
    paper = PaperFactory()
    token = token_create(user=UserFactory(), name="twice")
    url = f"{live_server.url}/api/papers/{paper.arxiv_id}/upvote"
    assert _all_at_once([_vote(url, token), _vote(url, token)]) == [200, 200]
    paper.refresh_from_db()
    assert paper.upvote_count == 1 == Upvote.objects.filter(paper=paper).count()


def test_forged_and_revoked_tokens_are_refused_over_http(live_server):
    from paperfeed.accounts.models import ApiToken
    from paperfeed.accounts.services import token_revoke

    paper = PaperFactory()
    user = UserFactory()
    token = token_create(user=user, name="old")
    token_revoke(user=user, token_id=ApiToken.objects.get(user=user).pk)
    url = f"{live_server.url}/api/papers/{paper.arxiv_id}/upvote"
    assert _vote(url, token)() == 401
    assert _vote(url, "pf_" + "x" * 43)() == 401
    paper.refresh_from_db()
    assert paper.upvote_count == 0
