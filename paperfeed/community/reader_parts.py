"""A member's own parts of a page served from a shared body (core/readerslots.py) that the
community app fills: each card's vote column, the paper page's vote box and its comment
section (whose Reply, Edit, Delete, Report and moderation controls depend on the reader)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from paperfeed.community.cards import Reader, ReaderPart, reader_parts
from paperfeed.community.selectors import CardState, card_state
from paperfeed.core import readerslots
from paperfeed.papers.models import Paper


def _columns(request: HttpRequest, args: list[str], parts: list[ReaderPart]) -> dict[str, str]:
    """Each slot's vote box (slots "id:source:local") and the other ``parts``: the reader's
    votes, the parts' state and the papers' live vote counts in one query, so the reader sees
    their own vote counted the moment after they cast it."""
    cards = {arg: tuple(int(n) for n in arg.split(":")) for arg in args}
    ids = [card[0] for card in cards.values()]
    reader = Reader(request)
    if reader.member:
        state = card_state(
            user=request.user,  # type: ignore[arg-type]
            paper_ids=set(ids),
            mine=[part.mine(request.user) for part in parts],  # type: ignore[arg-type]
        )
    else:
        state = CardState(counts={}, voted=set(), mine=[set() for _ in parts])
    others = [part.boxes(request, ids, has) for part, has in zip(parts, state.mine, strict=True)]
    return {
        arg: reader.box_of(pk, source, state.counts.get(pk, local), pk in state.voted)
        + "".join(other(pk) for other in others)
        for arg, (pk, source, local) in cards.items()
    }


def card_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """The vote columns of a list's cards (slots "card:id:source:local")."""
    return _columns(request, args, reader_parts()).__getitem__


def vote_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """The paper page's vote box (slot "vote:id:source:local")."""
    return _columns(request, args, []).__getitem__


def register() -> None:
    readerslots.filler_register("card", card_filler)
    readerslots.filler_register("vote", vote_filler)
    # The paper page's comment section (slot "comments:id"), whose Reply, Edit, Delete, Report
    # and moderation controls are the reader's: rendered for them from the page's own template.
    readerslots.filler_register(
        "comments",
        readerslots.template_filler("community/paper_comments.html", load=Paper.objects.in_bulk),
    )
