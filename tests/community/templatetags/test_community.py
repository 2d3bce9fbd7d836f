"""The upvote include (community/templatetags/community.py), rendered on its own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.models import Upvote
from paperfeed.community.selectors import verified_author_names
from paperfeed.community.services import claim_create, claim_decide
from paperfeed.papers.models import Author
from paperfeed.papers.rows import PaperRow
from tests.factories import PaperAuthorFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_upvote_include_renders_state_and_count():
    paper, user = PaperFactory(upvote_count=7), UserFactory()
    Upvote.objects.create(user=user, paper=paper)
    request = RequestFactory().get("/")
    request.user = user
    html = Template("{% load community %}{% upvote_box row %}").render(
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
    html = Template("{% load community %}{% upvote_box row %}").render(
        RequestContext(request, {"row": PaperRow(paper=paper, source_upvotes=40)})
    )
    assert "csrfmiddlewaretoken" not in html and "<form" not in html
    assert "/accounts/login?next=/papers" in html and ">43<" in html


def test_verified_authors_are_marked_on_cards_in_one_query(django_assert_num_queries):
    first, second = PaperFactory(), PaperFactory()
    ada = PaperAuthorFactory(paper=first, name="A. Lovelace", position=0)
    PaperAuthorFactory(paper=first, position=1)
    # The same person on another paper, spelled differently there, with no claim on it.
    PaperAuthorFactory(paper=second, author=ada.author, name="Ada Lovelace", position=0)
    member, curator = UserFactory(verified=True), UserFactory(verified=True)
    curator_grant(user=curator)
    claim_decide(
        curator=curator,
        claim=claim_create(user=member, paper=first, author=Author.objects.get(pk=ada.author_id)),
        approve=True,
    )
    pending = PaperAuthorFactory(paper=second, position=1)
    claim_create(user=member, paper=second, author=pending.author)  # not approved: not marked
    rows = [PaperRow(paper=first, authors=["A. Lovelace", "B"]), PaperRow(paper=second)]
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(1):
        html = Template("{% load community %}{% paper_cards rows %}").render(
            RequestContext(request, {"rows": rows})
        )
    assert html.count('class="verified-badge"') == 1
    assert verified_author_names(paper_ids=[first.pk, second.pk]) == {first.pk: {"A. Lovelace"}}
    assert verified_author_names(paper_ids=[]) == {}
