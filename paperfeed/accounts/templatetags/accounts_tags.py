"""Template filters of the account pages and the site menu: ``{% load accounts_tags %}``."""

from __future__ import annotations

from typing import Any

from django import template

from paperfeed.accounts.roles import menu_shows_curate

register = template.Library()


@register.filter
def shows_curate(user: Any) -> bool:
    """``{% if request.user|shows_curate %}``: the menu's link to the curate page."""
    return menu_shows_curate(user)
