"""Reads of libraries and collections that several surfaces share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.contrib.auth.models import AnonymousUser, User

from paperfeed.library.models import CollectionItem, SavedPaper


def saved_paper_ids(*, user: User | AnonymousUser) -> list[int]:
    """The ids of the papers in one member's library, newest saved first (none when signed out)."""
    if not user.is_authenticated:
        return []
    return list(SavedPaper.objects.filter(user=user).values_list("paper_id", flat=True))


def saved_among(*, user: User | AnonymousUser, paper_ids: Iterable[int]) -> set[int]:
    """Which of these papers the member has saved: one query for a page of cards."""
    ids = list(paper_ids)
    if not ids or not user.is_authenticated:
        return set()
    return set(
        SavedPaper.objects.filter(user=user, paper_id__in=ids).values_list("paper_id", flat=True)
    )


def saved_pairs() -> Iterator[tuple[int, int]]:
    """Every (user_id, paper_id) a member keeps, for training: saved papers, and papers in their
    collections, private or public (used only in aggregate), each pair once."""
    seen: set[tuple[int, int]] = set()
    for pair in SavedPaper.objects.values_list("user_id", "paper_id").order_by().iterator(5000):
        seen.add(pair)
        yield pair
    items = CollectionItem.objects.values_list("collection__owner_id", "paper_id").order_by()
    for pair in items.iterator(5000):
        if pair not in seen:
            seen.add(pair)
            yield pair
