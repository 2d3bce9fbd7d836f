"""``{% load library %}``: the reader's collections on the paper page."""

from __future__ import annotations

from django import template

from paperfeed.library import selectors
from paperfeed.library.models import Collection

register = template.Library()


@register.simple_tag(takes_context=True)
def my_collections(context: template.Context) -> list[Collection]:
    """The signed-in reader's collections, for the paper page's "Add to a collection"."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return selectors.collections_of(owner=request.user, viewer=request.user)
