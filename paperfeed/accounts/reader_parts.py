"""The account menu and the flash messages of a member's page served from a shared body
(core/readerslots.py): rendered per request from the same templates as on any other page, so
they carry this reader's name, role, CSRF token and messages, and nobody else's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string

from paperfeed.core import readerslots


def _template_part(name: str) -> readerslots.Filler:
    def filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
        # The page's one masked token (readerslots.csrf_token), not a fresh mask for the menu.
        html = render_to_string(name, {"csrf_token": readerslots.csrf_token(request)}, request)
        return lambda _args: html

    return filler


def _messages(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    # Most requests have none: counting them reads the storage without marking it used (as
    # the template, which renders nothing for none, would not either), and skips a render.
    storage = getattr(request, "_messages", None)
    if storage is not None and not len(storage):
        return lambda _args: ""
    return _template_part("accounts/messages.html")(request, args)


def register() -> None:
    readerslots.filler_register("menu", _template_part("accounts/user_menu.html"))
    readerslots.filler_register("messages", _messages)
