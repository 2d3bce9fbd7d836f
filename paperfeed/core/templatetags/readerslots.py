"""``{% load readerslots %}``: where a reader's own part of the frame goes in a shared body
(core/readerslots.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from paperfeed.core import readerslots

register = template.Library()


@register.simple_tag
def reader_slot(kind: str, *args: int) -> SafeString:
    """``{% reader_slot "menu" as slot %}`` (``{% reader_slot "comments" paper.pk as slot %}``):
    the slot while a shared body is built, else "" (the template then renders the part itself,
    as for any page)."""
    return mark_safe(readerslots.slot(kind, *args) if readerslots.building() else "")


@register.simple_tag(takes_context=True)
def csrf_input(context: template.Context) -> SafeString:
    """``{% csrf_input %}``: ``{% csrf_token %}`` in a part that may be kept for every member (a
    slot there, filled with each reader's own token)."""
    if readerslots.building():
        return mark_safe(readerslots.slot("csrf"))
    token = str(context.get("csrf_token") or "")
    # As {% csrf_token %}: nothing when the context processor did not provide a token.
    return mark_safe(readerslots.csrf_input(token) if token not in ("", "NOTPROVIDED") else "")
