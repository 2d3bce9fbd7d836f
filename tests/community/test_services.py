"""The community writes (community/services.py): submissions, upvotes and comments."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.models import Comment, Upvote
from paperfeed.community.services import (
    CommentRefused,
    SubmissionRefused,
    VoteRefused,
    comment_create,
    comment_edit,
    comment_hide,
    paper_submit,
    upvote_add,
    upvote_remove,
    upvote_toggle,
)
from paperfeed.papers.models import Featured
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return UserFactory(verified=True)


def test_catalogued_paper_is_featured_today(member):
    paper = PaperFactory(arxiv_id="2611.01234")
    entry = paper_submit(user=member, arxiv_id_or_url="https://arxiv.org/abs/2611.01234v2")
    assert entry.paper == paper and entry.day == timezone.localdate()
    assert entry.source == Featured.Source.SUBMISSION and entry.featured_by == member


def test_unknown_paper_is_fetched_from_the_loopback_arxiv(member, arxiv_server):
    arxiv_server.papers["2611.05555"] = ("Fresh results", timezone.now() - timedelta(days=2), "")
    entry = paper_submit(user=member, arxiv_id_or_url="arXiv:2611.05555")
    assert entry.paper.title == "Fresh results"
    assert arxiv_server.requests and "2611.05555" in arxiv_server.requests[0]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("not an id", "not an arXiv id"),
        ("<script>alert(1)</script>", "not an arXiv id"),
        ("2613.01234", "not an arXiv id"),  # month 13
        ("2712.01234", "has not begun yet"),  # a future month
        ("x" * 5000, "not an arXiv id"),
    ],
)
def test_malformed_and_future_ids_are_refused(member, value, words):
    with pytest.raises(SubmissionRefused, match=words):
        paper_submit(user=member, arxiv_id_or_url=value)
    assert not Featured.objects.exists()


def test_unknown_to_arxiv_is_refused(member, arxiv_server):
    with pytest.raises(SubmissionRefused, match="arXiv has no paper"):
        paper_submit(user=member, arxiv_id_or_url="2611.09999")


def test_withdrawn_paper_is_refused(member, arxiv_server):
    arxiv_server.papers["2611.04444"] = (
        "Gone",
        timezone.now() - timedelta(days=1),
        "This paper has been withdrawn by the author due to an error",
    )
    with pytest.raises(SubmissionRefused, match="withdrawn"):
        paper_submit(user=member, arxiv_id_or_url="2611.04444")
    assert not Featured.objects.exists()


def test_guardrails(settings, member):
    settings.PAPERFEED_SUBMIT_PER_DAY = 1
    old = PaperFactory(published=timezone.now() - timedelta(days=30))
    with pytest.raises(SubmissionRefused, match="30 days ago; only papers up to 14"):
        paper_submit(user=member, arxiv_id_or_url=old.arxiv_id)
    first, second = PaperFactory(), PaperFactory()
    paper_submit(user=member, arxiv_id_or_url=first.arxiv_id)
    with pytest.raises(SubmissionRefused, match="already on today's list"):
        paper_submit(user=UserFactory(verified=True), arxiv_id_or_url=first.arxiv_id)
    with pytest.raises(SubmissionRefused, match="daily limit"):
        paper_submit(user=member, arxiv_id_or_url=second.arxiv_id)


def test_unverified_and_new_accounts_are_refused(settings):
    paper = PaperFactory()
    with pytest.raises(SubmissionRefused, match="confirm your email"):
        paper_submit(user=UserFactory(verified=False), arxiv_id_or_url=paper.arxiv_id)
    settings.PAPERFEED_SUBMIT_MIN_ACCOUNT_AGE_HOURS = 48
    with pytest.raises(SubmissionRefused, match="48 hours old"):
        paper_submit(user=UserFactory(verified=True), arxiv_id_or_url=paper.arxiv_id)


def test_curators_are_exempt(settings):
    settings.PAPERFEED_SUBMIT_PER_DAY = 0
    curator = UserFactory(verified=False)
    curator_grant(user=curator)
    old = PaperFactory(published=timezone.now() - timedelta(days=300))
    assert paper_submit(user=curator, arxiv_id_or_url=old.arxiv_id).paper == old


def test_hidden_paper_is_refused(member):
    paper = PaperFactory(hidden=True)
    with pytest.raises(SubmissionRefused, match="hidden"):
        paper_submit(user=member, arxiv_id_or_url=paper.arxiv_id)


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


def test_javascript_links_are_neutralised():
    paper, user = PaperFactory(), UserFactory()
    comment = comment_create(
        user=user, paper=paper, body="[click](javascript:alert(1)) and [x](data:text/html,hi)"
    )
    assert 'href="javascript:' not in comment.body_html and "<a" not in comment.body_html
    assert 'href="data:' not in comment.body_html


def test_code_may_show_html():
    comment = comment_create(
        user=UserFactory(), paper=PaperFactory(), body="Use `<div onclick=x>` here"
    )
    assert "&lt;div onclick=x&gt;" in comment.body_html
    assert "<div" not in comment.body_html


def test_edit_within_the_window_only(settings):
    user = UserFactory()
    comment = comment_create(user=user, paper=PaperFactory(), body="first")
    comment_edit(user=user, comment=comment, body="second *take*")
    comment.refresh_from_db()
    assert "<em>take</em>" in comment.body_html and comment.edited_at
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    comment.refresh_from_db()
    with pytest.raises(CommentRefused, match="can no longer be changed"):
        comment_edit(user=user, comment=comment, body="third")
    comment.refresh_from_db()
    assert comment.body == "second *take*"


def test_hidden_comment_cannot_be_hidden_by_a_plain_member():
    comment = comment_create(user=UserFactory(), paper=PaperFactory(), body="fine")
    with pytest.raises(Exception, match="Only moderators"):
        comment_hide(moderator=UserFactory(), comment=comment)
