from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import template
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from paperfeed.accounts.roles import menu_shows_curate
from paperfeed.community import cards, selectors
from paperfeed.community.drafts import draft_take
from paperfeed.core import readerslots
from paperfeed.papers.models import Author, Paper
from paperfeed.papers.rows import PaperRow

register = template.Library()


@register.simple_tag(takes_context=True)
def upvote_box(context: template.Context, row: PaperRow) -> SafeString:
    """``{% upvote_box row %}``: the paper's one upvote count and this reader's vote button
    (community/cards.py; a sign-in link for anonymous readers)."""
    if readerslots.building():
        return mark_safe(
            readerslots.slot("vote", row.paper.pk, row.source_upvotes, row.local_upvotes)
        )
    return cards.upvote_box(context.get("request"), row)


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
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "paper": paper,
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "nodes": selectors.comment_thread(paper=paper),
        "claims": selectors.verified_authors(paper=paper),
        "authors": list(paper.authors.all()) if user and user.is_authenticated else [],
        # Showing the moderation buttons: the menu's remembered role (a minute) instead of two
        # permission queries; hiding a comment asks afresh (community/services.py).
        "moderator": bool(user and menu_shows_curate(user)),
        "editable_since": selectors.comment_editable_since(now=timezone.now()),
        "max_chars": settings.PAPERFEED_COMMENT_MAX_CHARS,
        # A comment just refused: its text back in the editor, with the reason (only members
        # can comment, so only their sessions are read).
        "draft": draft_take(request, paper_id=paper.pk) if user and user.is_authenticated else None,
    }


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
