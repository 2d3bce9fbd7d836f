"""The account menu and the messages of a filled member's page (accounts/reader_parts.py),
written by string formatting: byte for byte what their templates render for the same reader."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils.safestring import mark_safe

from paperfeed.accounts import reader_parts
from paperfeed.accounts.roles import curator_grant
from paperfeed.core import readerslots
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "a" * 64
NAMES = [
    "alice",
    "Zoë-Ünïcode_名前",
    "<script>alert(1)<\\script>",
    "a&b\"c'd",
    "dot.plus+at@x",
    "per%cent?q=1#frag",
    "white space",
]


def _request(rf, user):  # type: ignore[no-untyped-def]
    request = rf.get("/papers?page=2")
    request.user = user
    return request


def _menu_pair(rf, user) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    request = _request(rf, user)
    template = render_to_string("accounts/user_menu.html", {"csrf_token": TOKEN}, request)
    return reader_parts.member_menu(request, TOKEN), template


@pytest.mark.parametrize("name", NAMES)
def test_the_written_menu_is_the_templates_for_any_member_name(rf, name):
    written, template = _menu_pair(rf, UserFactory(username=name))
    assert written == template
    assert "<script>" not in written


def test_the_written_menu_is_the_templates_for_a_curator_and_a_staff_user(rf):
    curator, staff = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    curator_grant(user=curator)
    for user in (curator, staff):
        written, template = _menu_pair(rf, user)
        assert written == template and ">Curate</a>" in written
    member_written, member_template = _menu_pair(rf, UserFactory())
    assert member_written == member_template and ">Curate</a>" not in member_written


def test_a_name_the_profile_url_refuses_fails_as_the_template_does(rf):
    request = _request(rf, UserFactory(username="a/b"))
    with pytest.raises(NoReverseMatch):
        render_to_string("accounts/user_menu.html", {"csrf_token": TOKEN}, request)
    with pytest.raises(NoReverseMatch):
        reader_parts.member_menu(request, TOKEN)


def test_the_menu_filler_of_an_anonymous_request_is_the_templates(rf):
    request = _request(rf, AnonymousUser())
    html = reader_parts._menu(request, [""])("")
    assert html == render_to_string("accounts/user_menu.html", {}, request)
    assert "Sign in" in html


def _with_messages(rf, texts):  # type: ignore[no-untyped-def]
    request = _request(rf, UserFactory.build())
    storage = CookieStorage(request)
    for level, text, extra in texts:
        storage.add(level, text, extra_tags=extra)
    request._messages = storage
    return request, storage


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [(constants.INFO, "Saved.", "")],
        [
            (constants.SUCCESS, "Your <b>comment</b> & 'reply'", ""),
            (constants.ERROR, mark_safe("Trusted <em>markup</em>"), 'x" onload="y'),
            (constants.WARNING, "Ünïcode", "extra"),
        ],
    ],
)
def test_the_written_messages_are_the_templates_and_used_up_alike(rf, texts):
    first, first_storage = _with_messages(rf, texts)
    second, second_storage = _with_messages(rf, texts)
    written = reader_parts.messages_html(first)
    assert written == render_to_string("accounts/messages.html", {}, second)
    assert first_storage.used == second_storage.used == bool(texts)
    assert "<b>" not in written and 'onload="y' not in written


def test_messages_without_a_storage_are_the_templates(rf):
    request = _request(rf, UserFactory.build())
    assert reader_parts.messages_html(request) == render_to_string(
        "accounts/messages.html", {}, request
    )


def test_the_filled_menu_carries_the_pages_one_token(rf):
    request = _request(rf, UserFactory())
    pieces = readerslots.split("<!--pf:menu:--><!--pf:csrf:-->")
    html = readerslots.fill(pieces, request)
    menu_token, csrf_token = html.split('value="')[1][:64], html.split('value="')[2][:64]
    assert menu_token == csrf_token


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=graph+neural",
        "/search?q=%3Cscript%3Ealert(1)%3C/script%3E&sort=date",
        "/search?q=caf%C3%A9+%22a+%26+b%22&page=2",
        '/papers/2501.00001?x="><b>',
        "/search?q=pfnextpathmark",
    ],
)
def test_the_anonymous_menu_is_the_templates_for_any_path(rf, path):
    """Kept per process with a marker where the path goes: byte for byte the template's,
    hostile and marker-like paths included."""
    request = rf.get(path)
    request.user = AnonymousUser()
    assert reader_parts.anonymous_menu(request) == render_to_string(
        "accounts/user_menu.html", {}, request
    )


def test_the_anonymous_menu_follows_the_script_prefix(rf):
    from django.urls import set_script_prefix

    request = rf.get("/search?q=x")
    request.user = AnonymousUser()
    set_script_prefix("/site/")
    try:
        html = reader_parts.anonymous_menu(request)
        assert 'href="/site/' in html
        assert html == render_to_string("accounts/user_menu.html", {}, request)
    finally:
        set_script_prefix("/")
