"""The account menu and the flash messages of a member's page served from a shared body
(core/readerslots.py), written per request with this reader's name, role, CSRF token and
messages, and nobody else's.

They are written by string formatting, not the template engine: the menu's template cost
~0.6 ms a page (URL reversal and the engine's per-node work), about a quarter of a filled
list page. The HTML is byte for byte what ``accounts/user_menu.html`` and
``accounts/messages.html`` render for a member (tests/accounts/test_reader_parts.py renders
both and compares); the templates stay for every page that is not filled from a shared body.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.regex_helper import _lazy_re_compile

from paperfeed.accounts.backends import member_read
from paperfeed.accounts.roles import page_shows_curate
from paperfeed.core import readahead, readerslots
from paperfeed.core.urlpaths import per_url_configuration

# What reverse() leaves unquoted in a path argument (django.urls.resolvers: RFC 3986
# sub-delimiters plus "/~:@"); the {% url %} tag then HTML-escapes the result.
_PATH_SAFE = "!$&'()*+,;=" + "/~:@"
# The profile URL's argument is a <str:...>: any text without "/", at least one character.
_PROFILE_ARG = _lazy_re_compile(r"[^/]+")
_MARK = "pf-username-mark"


@per_url_configuration
def _menu_frame() -> tuple[str, str, str, str]:
    """(the menu up to the curate link, the curate link, the profile link's URL up to the
    name, the rest after the profile link up to the sign-out form's CSRF field)."""
    head = (
        '<nav class="user-menu" aria-label="Account"><ul>\n\n'
        f'  <li><a href="{escape(reverse("library:library"))}">Library</a></li>\n'
        f'  <li><a href="{escape(reverse("recs:for_you"))}">For you</a></li>\n'
        f'  <li><a href="{escape(reverse("community:submit"))}">Submit a paper</a></li>\n  '
    )
    curate = f'<li><a href="{escape(reverse("community:curate"))}">Curate</a></li>'
    profile = reverse("community:profile", args=[_MARK])
    if not profile.endswith(_MARK):
        raise RuntimeError(f"the profile URL does not end with the username: {profile}")
    settings_link = escape(reverse("accounts:settings"))
    logout = escape(reverse("accounts:logout"))
    tail = (
        f'  <li><a href="{settings_link}">Settings</a></li>\n'
        f'  <li><form class="inline" method="post" action="{logout}">'
    )
    return head, curate, profile[: -len(_MARK)], tail


def member_menu(request: HttpRequest, token: str) -> str:
    """``accounts/user_menu.html`` for a signed-in member, with ``token`` in the sign-out form."""
    user = request.user
    username = str(user.get_username())
    if not _PROFILE_ARG.fullmatch(username):
        # reverse() refuses such a name; render the template so the outcome is the same.
        return render_to_string("accounts/user_menu.html", {"csrf_token": token}, request)
    head, curate, profile, tail = _menu_frame()
    return (
        f"{head}{curate if page_shows_curate(request) else ''}\n"
        f'  <li><a href="{escape(profile + quote(username, safe=_PATH_SAFE))}">'
        f"{escape(username)}</a></li>\n"
        f"{tail}{readerslots.csrf_input(token)}"
        '<button type="submit">Sign out</button></form></li>\n\n</ul></nav>\n'
    )


# Where the reader's path goes in the anonymous menu's "Sign in" link, rendered once: letters
# only, so the urlencode filter leaves it as it is.
_NEXT_MARK = "pfnextpathmark"


@per_url_configuration
def _anonymous_menu_around() -> tuple[str, str]:
    """``accounts/user_menu.html`` for an anonymous reader, rendered once with a marker for
    the path: what comes before the reader's path, and after it."""
    marked = HttpRequest()
    marked.path = marked.path_info = "/" + _NEXT_MARK
    marked.user = AnonymousUser()
    html = render_to_string("accounts/user_menu.html", {}, marked)
    head, found, tail = html.partition(quote(marked.get_full_path(), safe="/"))
    if not found or _NEXT_MARK in tail:
        raise RuntimeError("the anonymous menu does not show the path once")
    return head, tail


def anonymous_menu(request: HttpRequest) -> str:
    """``accounts/user_menu.html`` for an anonymous reader ("Sign in" back to this page, "Sign
    up"): the path is the only part that changes (an anonymous search page, filled per
    request, rendered the template each time: ~0.19 ms)."""
    head, tail = _anonymous_menu_around()
    # As {{ request.get_full_path|urlencode }} writes it: quoted (then nothing left to escape).
    return head + escape(quote(request.get_full_path(), safe="/")) + tail


def _menu(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    if not request.user.is_authenticated:  # not a member's page after all: the template's
        html: str = anonymous_menu(request)
    else:
        # The page's one masked token (readerslots.csrf_token), not a fresh mask for the menu.
        html = member_menu(request, readerslots.csrf_token(request))
    return lambda _args: html


def messages_html(request: HttpRequest) -> str:
    """``accounts/messages.html``: the reader's messages, marked used as the template's loop
    marks them. Counting them first reads the storage without marking it used (as the
    template, which renders nothing for none, would not either)."""
    storage = getattr(request, "_messages", None)
    if storage is None or not len(storage):
        return "\n"
    lines = "".join(
        f'<p class="message-{conditional_escape(message.tags)}">'
        f"{conditional_escape(str(message))}</p>"
        for message in storage
    )
    return f'<div class="messages" role="status">{lines}</div>\n'


def _messages(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    html = messages_html(request)
    return lambda _args: html


def register() -> None:
    readerslots.filler_register("menu", _menu)
    readahead.reads_register("menu", member_read)
    readerslots.filler_register("messages", _messages)
