from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory

from paperfeed.community.models import Upvote
from paperfeed.papers.rows import PaperRow
from tests.factories import PaperFactory, UserFactory, catalogue_paper

pytestmark = pytest.mark.django_db


def test_plain_form_post_votes_then_unvotes(client):
    paper, user = PaperFactory(), UserFactory()
    client.force_login(user)
    url = f"/community/papers/{paper.pk}/upvote"
    response = client.post(url, {"next": "/papers/x"})
    assert response.status_code == 302 and response["Location"] == "/papers/x"
    paper.refresh_from_db()
    assert paper.upvote_count == 1
    client.post(url)
    paper.refresh_from_db()
    assert paper.upvote_count == 0


def test_json_answer_for_the_script(client):
    paper, user = PaperFactory(), UserFactory()
    client.force_login(user)
    response = client.post(f"/community/papers/{paper.pk}/upvote", HTTP_ACCEPT="application/json")
    assert response.json() == {"upvoted": True, "count": 1}


def test_the_button_changes_to_the_one_count_at_once(client):
    """The count the script puts in the button is the one shown everywhere (source + local),
    not the local votes alone: '▲ 0' beside '462 upvotes in all' was the bug."""
    paper = catalogue_paper("2602.00901", featured_on=date(2026, 2, 2), featured_upvotes=462)
    client.force_login(UserFactory())
    url = f"/community/papers/{paper.pk}/upvote"
    page = client.get("/papers/2602.00901").content.decode()
    assert re.search(r'<span class="upvote-count"[^>]*>462</span>', page)
    assert "upvotes in all" not in page
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.json() == {"upvoted": True, "count": 463}
    page = client.get("/papers/2602.00901").content.decode()
    assert re.search(r'<span class="upvote-count"[^>]*>463</span>', page)
    assert "463 (462 at the source, 1 here)" in page
    assert client.post(url, HTTP_ACCEPT="application/json").json()["count"] == 462


def test_anonymous_is_asked_to_sign_in(client):
    paper = PaperFactory()
    response = client.post(f"/community/papers/{paper.pk}/upvote", {"next": "/papers/x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=")
    data = client.post(
        f"/community/papers/{paper.pk}/upvote", HTTP_ACCEPT="application/json"
    ).json()
    assert data["login_url"].startswith("/accounts/login") and "sign in" in data["error"]
    assert not Upvote.objects.exists()


def test_upvote_is_post_only_and_csrf_protected():
    from django.test import Client

    paper, user = PaperFactory(), UserFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get(f"/community/papers/{paper.pk}/upvote").status_code == 405
    assert strict.post(f"/community/papers/{paper.pk}/upvote").status_code == 403
    assert not Upvote.objects.exists()


def test_vote_on_hidden_paper_is_refused(client):
    paper = PaperFactory(hidden=True)
    client.force_login(UserFactory())
    response = client.post(f"/community/papers/{paper.pk}/upvote", HTTP_ACCEPT="application/json")
    assert response.status_code == 409 and "hidden" in response.json()["error"]
    assert not Upvote.objects.exists()


def test_offsite_next_is_ignored(client):
    paper = PaperFactory()
    client.force_login(UserFactory())
    response = client.post(f"/community/papers/{paper.pk}/upvote", {"next": "https://evil.example"})
    assert "evil" not in response["Location"]


def test_upvote_include_renders_state_and_count():
    paper, user = PaperFactory(upvote_count=7), UserFactory()
    Upvote.objects.create(user=user, paper=paper)
    request = RequestFactory().get("/")
    request.user = user
    html = Template('{% include "community/paper_upvote.html" %}').render(
        RequestContext(request, {"row": PaperRow(paper=paper, source_upvotes=5)})
    )
    # The one count: the source's 5 plus the 7 cast here, with the breakdown on hover.
    assert 'aria-pressed="true"' in html and ">12<" in html
    assert 'title="5 at the source + 7 here"' in html
    assert "csrfmiddlewaretoken" in html
    assert "<script" not in html  # the behaviour comes from community.js, loaded once per page


def test_anonymous_readers_get_a_sign_in_link_not_a_form():
    # Anonymous pages are served from a shared cache, so they must carry no CSRF token.
    paper = PaperFactory(upvote_count=3)
    request = RequestFactory().get("/papers")
    request.user = AnonymousUser()
    html = Template('{% include "community/paper_upvote.html" %}').render(
        RequestContext(request, {"row": PaperRow(paper=paper, source_upvotes=40)})
    )
    assert "csrfmiddlewaretoken" not in html and "<form" not in html
    assert "/accounts/login?next=/papers" in html and ">43<" in html
