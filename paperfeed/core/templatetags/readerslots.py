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
