"""``{% load library %}``: the reader's save button and collections on the paper page."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from paperfeed.core import readerslots
from paperfeed.library import cards, selectors
from paperfeed.library.models import Collection
from paperfeed.papers.models import Paper

register = template.Library()


@register.simple_tag(takes_context=True)
def save_box(context: template.Context, paper: Paper) -> SafeString:
    """``{% save_box paper %}``: the reader's save button (library/cards.py, the cards' own)."""
    if readerslots.building():
        return mark_safe(readerslots.slot("save", paper.pk))
    return mark_safe(cards.save_box(context.get("request"), paper.pk))


@register.simple_tag(takes_context=True)
def my_collections(context: template.Context) -> list[Collection]:
    """The signed-in reader's collections, for the paper page's "Add to a collection"."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return selectors.collections_of(owner=request.user, viewer=request.user)
