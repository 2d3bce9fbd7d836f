from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import template
from django.contrib.auth.models import User
from django.utils.safestring import SafeString, mark_safe

from paperfeed.community import cards, selectors, thread
from paperfeed.community.models import Comment
from paperfeed.core import readerslots
from paperfeed.papers.models import Author, Paper
from paperfeed.papers.rows import PaperRow

register = template.Library()


@register.simple_tag(takes_context=True)
def upvote_box(context: template.Context, row: PaperRow, with_parts: bool = False) -> SafeString:
    """``{% upvote_box row %}``: the paper's one upvote count and this reader's vote button
    (community/cards.py; a sign-in link for anonymous readers). ``with_parts=True``: and the
    other apps' parts beside it (the save button), as on a card: in a shared body one slot,
    filled from the votes' one query."""
    if readerslots.building():
        kind = "card" if with_parts else "vote"
        return mark_safe(
            readerslots.slot(kind, row.paper.pk, row.source_upvotes, row.local_upvotes)
        )
    return cards.upvote_box(context.get("request"), row, with_parts=with_parts)


@register.simple_tag(takes_context=True)
def paper_cards(
    context: template.Context,
    rows: Sequence[PaperRow] | None,
    start: int | None = None,
    also: Sequence[PaperRow] | None = None,
    after: Mapping[int, str] | None = None,
) -> SafeString:
    """``{% paper_cards rows start=1 also=other_rows after=reasons %}``: a list of cards (see
    community/cards.py). On trending, the view's ``prepare_cards`` loads the sparkline series
    of the cards that are not cached."""
    return cards.cards_html(
        context.get("request"),
        rows or [],
        start=start or None,
        window=context.get("window") or None,
        prepare=context.get("prepare_cards") or None,
        also=also or [],
        after=after,
    )


@register.inclusion_tag("community/_thread.html", takes_context=True)
def paper_comments(context: template.Context, paper: Paper) -> dict[str, Any]:
    """A paper's comment section. While a shared thread is built (community/reader_parts.py)
    the reader's controls are slots and the claim form's authors are listed for any member."""
    request = context.get("request")
    user = getattr(request, "user", None)
    member = readerslots.building() or bool(user and user.is_authenticated)
    return {
        "paper": paper,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "nodes": selectors.comment_thread(paper=paper),
        "claims": selectors.verified_authors(paper=paper),
        "authors": list(paper.authors.all()) if member else [],
        "controls": None if readerslots.building() else thread.ReaderControls(request),
    }


@register.simple_tag(takes_context=True)
def comment_form(context: template.Context, paper: Paper) -> SafeString:
    """``{% comment_form paper %}``: the editor for this reader (community/thread.py)."""
    return mark_safe(thread.control(context.get("controls"), thread.FORM, paper.pk))


@register.simple_tag(takes_context=True)
def comment_controls(context: template.Context, comment: Comment) -> SafeString:
    """``{% comment_controls c %}``: a shown comment's Reply, Edit, Delete, Report and Hide for
    this reader; the comment's author and creation time go in the slot."""
    return mark_safe(
        thread.control(
            context.get("controls"),
            thread.ACTIONS,
            comment.paper_id,
            comment.pk,
            comment.author_id or 0,
            thread.micros(comment.created_at),
        )
    )


@register.simple_tag(takes_context=True)
def comment_unhide(context: template.Context, comment: Comment) -> SafeString:
    """``{% comment_unhide c %}``: a hidden comment's Unhide, for a moderator."""
    return mark_safe(thread.control(context.get("controls"), thread.UNHIDE, comment.pk))


@register.simple_tag
def verified_author_names(rows: Iterable[PaperRow] | None) -> dict[int, set[str]]:
    """``{% verified_author_names papers as verified_authors %}``: the verified authors of a
    list's cards by paper id, for the ``byline`` filter; one query for the list."""
    return selectors.verified_author_names(paper_ids=[row.paper.pk for row in rows or []])


@register.simple_tag
def verified_names(paper: Paper) -> set[str]:
    """``{% verified_names paper as verified %}``: one paper's verified authors, by name."""
    return selectors.verified_author_names(paper_ids=[paper.pk]).get(paper.pk, set())


@register.simple_tag
def author_members(author: Author) -> list[User]:
    """``{% author_members author as members %}``: the members a curator confirmed as this
    author (an approved claim), for the author page."""
    return selectors.author_members(author=author)
