"""The paper page's "Add to a collection" written by string formatting
(library/reader_parts.py): byte for byte what its template renders for the same reader."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from paperfeed.library import reader_parts
from paperfeed.library.models import Collection
from paperfeed.papers.models import Paper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "b" * 64


def _pair(rf, user, path: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    request = rf.get(path)
    request.user = user
    paper = Paper(pk=4711)
    template = render_to_string(
        "library/_paper_collect.html", {"paper": paper, "csrf_token": TOKEN}, request
    )
    return reader_parts.collect_html(request, paper.pk, TOKEN), template


@pytest.mark.parametrize("path", ["/papers/2601.00001", "/papers/2601.00001?x=\"><b>&y='1"])
def test_the_written_part_is_the_templates_without_and_with_collections(rf, path):
    reader = UserFactory()
    written, template = _pair(rf, reader, path)
    assert written == template and "<select" not in written
    for n, (name, public) in enumerate(
        [('Reading <b>list</b> & "more"', False), ("Alpha", True), ("Zoë's ünïcode", False)]
    ):
        Collection.objects.create(owner=reader, name=name, slug=f"c{n}", is_public=public)
    Collection.objects.create(owner=UserFactory(), name="Not theirs", slug="x")
    written, template = _pair(rf, reader, path)
    assert written == template
    assert written.count("<option") == 3 and "Not theirs" not in written
    assert "<b>" not in written and written.count(" (private)") == 2


def test_the_filler_of_an_anonymous_request_is_the_templates(rf):
    request = rf.get("/papers/2601.00001")
    request.user = AnonymousUser()
    html = reader_parts.collect_filler(request, ["5"])("5")
    assert html == render_to_string("library/_paper_collect.html", {"paper": Paper(pk=5)}, request)


def test_a_cards_save_box_posts_to_the_save_url_under_the_sites_prefix(rf):
    """The save URL is reversed once per URL configuration and prefix, not once per page."""
    from django.urls import clear_script_prefix, reverse, set_script_prefix

    from paperfeed.library.cards import _save_action, save_boxes

    request = rf.get("/papers")
    request.user = UserFactory()
    assert _save_action() is _save_action()
    assert f'action="{reverse("library:save", args=[4711])}"' in save_boxes(request, [4711], set())(
        4711
    )
    try:
        set_script_prefix("/lab/")
        box = save_boxes(request, [4711], {4711})(4711)
        assert 'action="/lab/' in box and "is-saved" in box
    finally:
        clear_script_prefix()
