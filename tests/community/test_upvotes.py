from __future__ import annotations

import threading

import pytest
from django.db import connection

from paperfeed.community.models import Upvote
from paperfeed.community.services import (
    VoteRefused,
    upvote_add,
    upvote_remove,
    upvote_toggle,
)
from tests.factories import PaperFactory, UserFactory


@pytest.mark.django_db
def test_upvote_is_idempotent_and_removable():
    paper, user = PaperFactory(), UserFactory()
    assert upvote_add(user=user, paper=paper) == 1
    assert upvote_add(user=user, paper=paper) == 1
    assert Upvote.objects.filter(paper=paper).count() == 1
    assert upvote_remove(user=user, paper=paper) == 0
    assert upvote_remove(user=user, paper=paper) == 0
    paper.refresh_from_db()
    assert paper.upvote_count == 0


@pytest.mark.django_db
def test_toggle_votes_then_unvotes():
    paper, user = PaperFactory(), UserFactory()
    assert upvote_toggle(user=user, paper=paper) == (True, 1)
    assert upvote_toggle(user=user, paper=paper) == (False, 0)


@pytest.mark.django_db
def test_vote_on_hidden_paper_is_refused_and_changes_nothing():
    paper, user = PaperFactory(hidden=True), UserFactory()
    with pytest.raises(VoteRefused, match="hidden"):
        upvote_add(user=user, paper=paper)
    paper.refresh_from_db()
    assert paper.upvote_count == 0
    assert not Upvote.objects.exists()


def _run_concurrently(workers):
    barrier = threading.Barrier(len(workers))
    errors = []

    def run(work):
        try:
            barrier.wait()
            work()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_from_many_users_are_all_counted():
    paper = PaperFactory()
    users = [UserFactory() for _ in range(40)]
    _run_concurrently([lambda u=u: upvote_add(user=u, paper=paper) for u in users])
    paper.refresh_from_db()
    assert paper.upvote_count == 40 == Upvote.objects.filter(paper=paper).count()


@pytest.mark.django_db(transaction=True)
def test_same_user_voting_twice_at_once_counts_once():
    paper, user = PaperFactory(), UserFactory()
    _run_concurrently([lambda: upvote_add(user=user, paper=paper) for _ in range(8)])
    paper.refresh_from_db()
    assert paper.upvote_count == 1 == Upvote.objects.filter(paper=paper).count()
