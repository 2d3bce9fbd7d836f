"""Reads of libraries and collections that several surfaces share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Q

from paperfeed.core.compiled import ID_SENTINELS, Compiled, compile_query
from paperfeed.library.models import Collection, CollectionItem, SavedPaper, Tag
from paperfeed.papers.models import visible_through
from paperfeed.papers.row_selectors import papers_by_ids
from paperfeed.papers.rows import PaperRow


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


# --- Pages -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Entry:
    """One paper of a library or collection as its page shows it: the card's row, with the
    member's note and tags (library) or the item's place and note (collection)."""

    row: PaperRow
    note: str = ""
    tags: list[str] = field(default_factory=list)
    saved: SavedPaper | None = None
    item: CollectionItem | None = None


def library_entries(
    *, user: User, tag: str = "", offset: int = 0, limit: int | None = None
) -> tuple[list[Entry], int]:
    """A page of the member's library, newest saved first, optionally only one tag's papers;
    and how many there are. Papers the curators hid are left out."""
    saved = SavedPaper.objects.filter(Q(user=user) & visible_through("paper"))
    if tag:
        saved = saved.filter(tags__user=user, tags__name=tag)
    total = saved.count()
    window = saved.order_by("-created", "-id")
    page = list(
        (
            window[offset : offset + limit] if limit is not None else window[offset:]
        ).prefetch_related("tags")
    )
    rows = {row.paper.pk: row for row in papers_by_ids(ids=[s.paper_id for s in page])}
    entries = [
        Entry(rows[s.paper_id], note=s.note, tags=[t.name for t in s.tags.all()], saved=s)
        for s in page
        if s.paper_id in rows
    ]
    return entries, total


def library_tags(*, user: User) -> list[tuple[str, int]]:
    """The member's tags with how many (visible) papers carry each, by name."""
    return [
        (row["name"], row["n"])
        for row in Tag.objects.filter(user=user)
        .annotate(n=Count("saved_papers", filter=visible_through("saved_papers__paper")))
        .filter(n__gt=0)
        .order_by("name")
        .values("name", "n")
    ]


def collections_of(*, owner: User, viewer: User | AnonymousUser) -> list[Collection]:
    """An owner's collections as ``viewer`` may see them: all to the owner, public ones to
    everyone else; each with ``size``, its number of papers."""
    found = Collection.objects.filter(owner=owner).annotate(size=Count("items"))
    if viewer.pk != owner.pk:
        found = found.filter(is_public=True)
    return list(found.order_by("name", "id"))


_OWNER_SENTINEL = ID_SENTINELS[0]


@lru_cache(maxsize=16)
def _choices_sql(connection: BaseDatabaseWrapper) -> Compiled:
    query = Collection.objects.filter(owner_id=_OWNER_SENTINEL).order_by("name", "id")
    return compile_query(query.values_list("pk", "name", "is_public"), [_OWNER_SENTINEL])


def collection_choices(*, owner: User) -> list[tuple[int, str, bool]]:
    """(id, name, public) of each of the owner's collections, in name order: the paper page's
    "Add to a collection" on every member's page, so compiled once per connection
    (core/compiled.py)."""
    query, values = collection_choices_query(owner_id=owner.pk)
    return collection_choices_from(query.rows(values))


def collection_choices_query(*, owner_id: int) -> tuple[Compiled, list[int]]:
    """collection_choices' query and its values (a member's paper page reads it ahead with
    their other reads: core/readerslots.py)."""
    return _choices_sql(connections[DEFAULT_DB_ALIAS]), [owner_id]


def collection_choices_from(rows: Sequence[Sequence[Any]]) -> list[tuple[int, str, bool]]:
    return [(pk, name, bool(public)) for pk, name, public in rows]


def collection_visible(
    *, username: str, slug: str, viewer: User | AnonymousUser
) -> Collection | None:
    """The collection at ``/collections/<username>/<slug>`` if ``viewer`` may see it: a private
    one is there only for its owner (for anyone else it does not exist)."""
    found = (
        Collection.objects.select_related("owner")
        .filter(owner__username=username, owner__is_active=True, slug=slug)
        .first()
    )
    if found is None or not (found.is_public or found.owner_id == viewer.pk):
        return None
    return found


def collection_entries(*, collection: Collection) -> list[Entry]:
    """A collection's papers in its order, each with the item's note; hidden papers left out."""
    items = list(
        CollectionItem.objects.filter(Q(collection=collection) & visible_through("paper")).order_by(
            "position", "id"
        )
    )
    rows = {row.paper.pk: row for row in papers_by_ids(ids=[i.paper_id for i in items])}
    return [Entry(rows[i.paper_id], note=i.note, item=i) for i in items if i.paper_id in rows]


def public_collections(*, offset: int = 0, limit: int = 50) -> tuple[list[Collection], int]:
    """Every public collection of an active member, most recently changed first."""
    found = Collection.objects.filter(is_public=True, owner__is_active=True)
    total = found.count()
    page: list[Collection] = list(
        found.select_related("owner")
        .annotate(size=Count("items"))
        .order_by("-updated", "-id")[offset : offset + limit]
    )
    return page, total
