"""``{% load library %}``: the reader's saved state on cards and the paper page."""

from __future__ import annotations

from django import template

from paperfeed.library import selectors
from paperfeed.library.models import Collection
from paperfeed.papers.models import Paper

register = template.Library()


@register.simple_tag(takes_context=True)
def saved(context: template.Context, paper: Paper) -> bool:
    """Whether the signed-in reader has saved ``paper``: one query per page (the reader's saved
    ids, kept on the request), not one per card."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    cached = getattr(request, "_paperfeed_saved", None)
    if cached is None:
        cached = set(selectors.saved_paper_ids(user=request.user))
        request._paperfeed_saved = cached
    return paper.pk in cached


@register.simple_tag(takes_context=True)
def my_collections(context: template.Context) -> list[Collection]:
    """The signed-in reader's collections, for the paper page's "Add to a collection"."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return selectors.collections_of(owner=request.user, viewer=request.user)
