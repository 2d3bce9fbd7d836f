"""The implicit signal the recommender learns from: upvotes, saved papers (and papers in
collections), claimed authorships (not rejected) and comments. Reads only, no side effects.

Training reads every (member, paper) pair at once; serving reads one member's papers, with the
kind of signal that the explanation names ("because you saved …").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from paperfeed.community.models import AuthorClaim, Comment, Upvote
from paperfeed.library.models import SavedPaper
from paperfeed.library.selectors import saved_pairs
from paperfeed.papers.models import visible_through

# The order in which a paper's signals name it: a saved paper is "saved" even if upvoted too.
KINDS = ("saved", "claimed", "upvoted", "commented")
VERBS = {
    "saved": "saved",
    "claimed": "wrote",
    "upvoted": "upvoted",
    "commented": "commented on",
}


def training_pairs() -> Iterator[tuple[int, int]]:
    """Every (user id, paper id) with any signal, each pair once, active members only."""
    seen: set[tuple[int, int]] = set()
    sources = (
        saved_pairs(),
        Upvote.objects.filter(user__is_active=True).values_list("user_id", "paper_id").order_by(),
        AuthorClaim.objects.exclude(status=AuthorClaim.Status.REJECTED)
        .values_list("user_id", "paper_id")
        .order_by(),
        Comment.objects.filter(deleted=False, author__isnull=False)
        .values_list("author_id", "paper_id")
        .order_by(),
    )
    for source in sources:
        for pair in source if isinstance(source, Iterator) else source.iterator(5000):
            if pair not in seen:
                seen.add(pair)
                yield pair


@dataclass(frozen=True, slots=True)
class ReaderPaper:
    paper_id: int
    kind: str  # one of KINDS


def reader_papers(*, user_id: int, limit: int) -> list[ReaderPaper]:
    """One member's signalled papers (visible ones), newest signal first, at most ``limit``:
    a long-time reader's taste is their recent papers, and serving stays bounded."""
    kind_of: dict[int, str] = {}
    newest: dict[int, datetime] = {}
    queries = (
        SavedPaper.objects.filter(Q(user_id=user_id) & visible_through("paper"))
        .order_by("-created")
        .values_list("paper_id", "created")[:limit],
        AuthorClaim.objects.filter(Q(user_id=user_id) & visible_through("paper"))
        .exclude(status=AuthorClaim.Status.REJECTED)
        .order_by("-created_at")
        .values_list("paper_id", "created_at")[:limit],
        Upvote.objects.filter(Q(user_id=user_id) & visible_through("paper"))
        .order_by("-created_at")
        .values_list("paper_id", "created_at")[:limit],
        Comment.objects.filter(Q(author_id=user_id, deleted=False) & visible_through("paper"))
        .order_by("-created_at")
        .values_list("paper_id", "created_at")[:limit],
    )
    for kind, query in zip(KINDS, queries, strict=True):
        for paper_id, when in query:
            kind_of.setdefault(paper_id, kind)
            if paper_id not in newest or when > newest[paper_id]:
                newest[paper_id] = when
    order = sorted(newest, key=lambda pk: (newest[pk], pk), reverse=True)[:limit]
    return [ReaderPaper(paper_id=pk, kind=kind_of[pk]) for pk in order]
