"""The admin pages and their bulk actions (community/admin.py and the catalogue admins)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from paperfeed.community.models import Comment
from paperfeed.community.services import comment_create
from tests.factories import FeaturedFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


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
