"""A refused comment's text kept until the paper page shows it (community/drafts.py)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from paperfeed.community.drafts import MAX_KEPT_CHARS, Draft, draft_keep, draft_take

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_with_session():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def test_a_draft_is_shown_once_on_its_own_paper(request_with_session):
    draft_keep(request_with_session, paper_id=7, body="my text", reason="too long", parent_id=3)
    assert draft_take(request_with_session, paper_id=8) is None  # another paper's page
    assert draft_take(request_with_session, paper_id=7) == Draft("my text", "too long", 3)
    assert draft_take(request_with_session, paper_id=7) is None


def test_a_huge_draft_is_cut_and_a_forged_one_is_ignored(request_with_session):
    draft_keep(request_with_session, paper_id=1, body="x" * 10**6, reason="r", parent_id=None)
    assert len(draft_take(request_with_session, paper_id=1).body) == MAX_KEPT_CHARS
    request_with_session.session["community:comment_draft"] = ["not", "a", "draft"]
    assert draft_take(request_with_session, paper_id=1) is None
    assert draft_take(RequestFactory().get("/"), paper_id=1) is None  # no session at all
