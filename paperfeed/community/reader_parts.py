"""A member's own parts of a page served from a shared body (core/readerslots.py) that the
community app fills: each card's vote column, the paper page's vote box and its comment
section (a thread kept per paper and comment version, whose Reply, Edit, Delete, Report and
moderation controls are filled per reader: community/thread.py)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string

from paperfeed.community import selectors
from paperfeed.community.cards import ReaderPart, reader_parts
from paperfeed.community.selectors import CardState, card_state
from paperfeed.community.thread import ReaderControls
from paperfeed.community.voteboxes import Reader
from paperfeed.core import bodykeep, readahead, readerslots
from paperfeed.core.caching import shared_copy
from paperfeed.papers.models import Paper


def _paper_ids(args: list[str]) -> list[int]:
    """The papers of vote slots ("id:source:local"), each once, in page order."""
    return list(dict.fromkeys(int(arg.split(":", 1)[0]) for arg in args))


def _columns(
    request: HttpRequest, kind: str, args: list[str], parts: list[ReaderPart]
) -> dict[str, str]:
    """Each slot's vote box (slots "id:source:local") and the other ``parts``: the reader's
    votes, the parts' state and the papers' live vote counts in one query (read ahead with the
    page's other reads: :func:`card_reads`), so the reader sees their own vote counted the
    moment after they cast it."""
    cards = {arg: tuple(map(int, arg.split(":"))) for arg in args}
    ids = [card[0] for card in cards.values()]
    reader = Reader(request)
    mine = [part.mine for part in parts]
    ahead = readahead.ahead_rows(request, (kind, *args)) if reader.member else None
    if ahead is not None:
        state = selectors.card_state_from(ahead, len(mine))
    elif reader.member:
        state = card_state(user=request.user, paper_ids=_paper_ids(args), mine=mine)  # type: ignore[arg-type]
    else:
        state = CardState(counts={}, voted=set(), mine=[set() for _ in parts])
    others = [part.boxes(request, ids, has) for part, has in zip(parts, state.mine, strict=True)]
    box, counts, voted = reader.box_of, state.counts, state.voted
    return {
        arg: box(pk, source, counts.get(pk, local), pk in voted)
        + "".join([other(pk) for other in others])
        for arg, (pk, source, local) in cards.items()
    }


def card_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """The vote columns of a list's cards (slots "card:id:source:local")."""
    return _columns(request, "card", args, reader_parts()).__getitem__


def vote_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """The paper page's vote box (slot "vote:id:source:local")."""
    return _columns(request, "vote", args, []).__getitem__


def card_reads(kind: str) -> readahead.Reads:
    """The member's state on the page's papers (slots "card" or "vote"), read ahead."""

    def reads(request: HttpRequest, member_id: int, args: list[str]) -> list[readahead.Read]:
        parts = reader_parts() if kind == "card" else []  # registered by apps readied later
        query, values = selectors.card_state_query(
            user_id=member_id, paper_ids=_paper_ids(args), mine=[part.mine for part in parts]
        )
        return [readahead.Read((kind, *args), query, values)]

    return reads


def comment_reads(request: HttpRequest, member_id: int, args: list[str]) -> list[readahead.Read]:
    """Each comment section's version (slots "comments:id"), read ahead: the same for every
    reader, but one round trip fewer with the member's own reads."""
    reads = []
    for arg in dict.fromkeys(args):
        query, values = selectors.comment_version_query(paper_id=int(arg))
        reads.append(readahead.Read(("comments", arg), query, values))
    return reads


def _kept_thread(request: HttpRequest, paper_id: int) -> list[str] | None:
    """The paper's comment section as kept for every member (built by this request when the
    comments changed), split at its slots; None for no such paper. Kept for the interval, and
    another interval while what it shows beyond its comment version (selectors.
    comment_names_query: one statement) is unchanged and nothing else bounds it
    (core/bodykeep.py: a time shown in minutes or hours, the day, the safety bound)."""
    seconds = max(settings.PAPERFEED_PAGE_CACHE_SECONDS, 1)
    kept_for: list[float] = []

    def names() -> str:
        query, values = selectors.comment_names_query(paper_id=paper_id)
        return readahead.stamp(query.rows(values))

    def build() -> tuple[list[str], str, float | None] | None:
        shown = names()
        paper = Paper.objects.filter(pk=paper_id).first()
        if paper is None:
            return None
        with readerslots.shared_build(), bodykeep.keep_build() as keep:
            html = render_to_string("community/paper_comments.html", {"paper": paper}, request)
        kept_for.append(readerslots.fresh_for(seconds, keep.until))
        return readerslots.split(html), shown, None if keep.short else keep.until

    def renew(kept: tuple[list[str], str, float | None]) -> bool:
        _, shown, until = kept
        if until is None or time.time() >= until or names() != shown:
            return False
        kept_for.append(readerslots.fresh_for(seconds, until))
        return True

    # Keyed by the path too: the claim form's "next" is the page's own address.
    ahead = readahead.ahead_rows(request, ("comments", str(paper_id)))
    version = (
        selectors.comment_version(paper_id=paper_id)
        if ahead is None
        else selectors.comment_version_from(ahead)
    )
    key = f"{request.get_full_path()}\0{paper_id}\0{version!r}"
    key = f"thread:{bodykeep.code_signature()}:" + hashlib.sha256(key.encode()).hexdigest()
    kept = shared_copy(key, lambda _: kept_for[-1], build, across=True, renew=renew)
    return kept[0] if kept is not None else None


def comments_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """The paper page's comment section (slot "comments:id"): the thread kept per paper and
    comment version, so a new, edited, deleted or hidden comment shows at once to everyone,
    filled with this reader's controls (the "thread" and "csrf" slots in it)."""

    def section(arg: str) -> str:
        pieces = _kept_thread(request, int(arg))
        return readerslots.fill(pieces, request) if pieces else ""

    return section


def thread_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """Each control of a kept thread (slots "thread:kind:…", community/thread.py) for this
    reader, from one ReaderControls for the page."""
    controls = ReaderControls(request)
    return lambda arg: controls.slot(*(int(n) for n in arg.split(":")))


def register() -> None:
    readerslots.filler_register("card", card_filler)
    readerslots.filler_register("vote", vote_filler)
    readahead.reads_register("card", card_reads("card"))
    readahead.reads_register("vote", card_reads("vote"))
    readahead.reads_register("comments", comment_reads)
    # The paper page's comment section (slot "comments:id"): a thread kept for every member,
    # with each reader's Reply, Edit, Delete, Report and moderation controls filled in.
    readerslots.filler_register("comments", comments_filler)
    readerslots.filler_register("thread", thread_filler)
