"""Writes to members' libraries and collections. Keyword-only arguments; a refused action raises
:class:`LibraryError`, whose message can be shown to the member as it is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from paperfeed.library.importing import ImportScan
from paperfeed.library.models import (
    NOTE_MAX_LENGTH,
    TAG_MAX_LENGTH,
    Collection,
    CollectionItem,
    SavedPaper,
    Tag,
)
from paperfeed.papers.models import Paper

MAX_TAGS_PER_PAPER = 20
MAX_COLLECTIONS = 200
MAX_COLLECTION_ITEMS = 5000
_TAG_SPLIT = re.compile(r"[,;\n]+")
_TAG_UNSAFE = re.compile(r"[^\w.+#-]+")


class LibraryError(Exception):
    """A refused library action; ``str(error)`` is the message for the member."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _require_member(user: User) -> None:
    if not (user.is_authenticated and user.is_active):
        raise LibraryError("Please sign in first.")


def _require_visible(paper: Paper) -> None:
    if paper.hidden:
        raise LibraryError("This paper has been hidden by the curators.")


def tags_parse(text: str) -> list[str]:
    """Tags as typed ("deep learning, RL; to-read") → ``["deep-learning", "rl", "to-read"]``:
    lower case, spaces as dashes, each once, in order."""
    tags: list[str] = []
    for raw in _TAG_SPLIT.split(text or ""):
        tag = _TAG_UNSAFE.sub("-", raw.strip().lower()).strip("-")[:TAG_MAX_LENGTH]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS_PER_PAPER:
        raise LibraryError(f"At most {MAX_TAGS_PER_PAPER} tags on one paper.")
    return tags


def _note(text: str) -> str:
    note = (text or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise LibraryError(f"Notes are at most {NOTE_MAX_LENGTH:,} characters.")
    return note


# --- Saved papers ----------------------------------------------------------------------------


def saved_paper_add(*, user: User, paper: Paper) -> SavedPaper:
    """Save a paper to the member's library; saving it again keeps the first save."""
    _require_member(user)
    _require_visible(paper)
    try:
        with transaction.atomic():
            return SavedPaper.objects.create(user=user, paper=paper)
    except IntegrityError:
        return SavedPaper.objects.get(user=user, paper=paper)


def saved_paper_remove(*, user: User, paper: Paper) -> bool:
    """Take a paper out of the library (its note and tags go with it). True if it was there."""
    _require_member(user)
    deleted, _ = SavedPaper.objects.filter(user=user, paper=paper).delete()
    return bool(deleted)


def saved_paper_toggle(*, user: User, paper: Paper) -> bool:
    """The save button: a first click saves, a second removes. Returns whether it is saved now."""
    if SavedPaper.objects.filter(user=user, paper=paper).exists():
        saved_paper_remove(user=user, paper=paper)
        return False
    saved_paper_add(user=user, paper=paper)
    return True


def saved_paper_edit(*, saved: SavedPaper, note: str, tags: str) -> SavedPaper:
    """Set a saved paper's note and tags (tags as typed, see :func:`tags_parse`)."""
    names = tags_parse(tags)
    saved.note = _note(note)
    with transaction.atomic():
        saved.save(update_fields=["note", "updated"])
        existing = {t.name: t for t in Tag.objects.filter(user_id=saved.user_id, name__in=names)}
        for name in names:
            if name not in existing:
                existing[name], _ = Tag.objects.get_or_create(user_id=saved.user_id, name=name)
        saved.tags.set([existing[name] for name in names])
        # A tag no paper carries any more is gone from the member's tag list.
        Tag.objects.filter(user_id=saved.user_id, saved_papers__isnull=True).delete()
    return saved


# --- Collections -----------------------------------------------------------------------------


def _unique_slug(owner: User, name: str, exclude: int | None = None) -> str:
    base = slugify(name)[:70] or "collection"
    others = Collection.objects.filter(owner=owner, slug__startswith=base)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise LibraryError("A collection needs a name.")
    if len(cleaned) > 200:
        raise LibraryError("Collection names are at most 200 characters.")
    return cleaned


def collection_create(
    *, owner: User, name: str, description: str = "", is_public: bool = False
) -> Collection:
    _require_member(owner)
    if Collection.objects.filter(owner=owner).count() >= MAX_COLLECTIONS:
        raise LibraryError(f"At most {MAX_COLLECTIONS} collections per member.")
    cleaned = _clean_name(name)
    for _ in range(3):  # two tabs creating the same name at once: the second takes "-2"
        try:
            with transaction.atomic():
                return Collection.objects.create(
                    owner=owner,
                    name=cleaned,
                    slug=_unique_slug(owner, cleaned),
                    description=_note(description),
                    is_public=is_public,
                )
        except IntegrityError:
            continue
    raise LibraryError("Could not name that collection; please try again.")


def collection_edit(
    *, collection: Collection, name: str, description: str, is_public: bool
) -> Collection:
    """Rename (the slug follows the name, so the address changes), describe, publish or hide."""
    cleaned = _clean_name(name)
    if cleaned != collection.name:
        collection.slug = _unique_slug(collection.owner, cleaned, exclude=collection.pk)
    collection.name = cleaned
    collection.description = _note(description)
    collection.is_public = is_public
    collection.save()
    return collection


def collection_delete(*, collection: Collection) -> None:
    collection.delete()


def collection_item_add(*, collection: Collection, paper: Paper, note: str = "") -> CollectionItem:
    """Add a paper at the end of a collection; adding it again keeps its place."""
    _require_visible(paper)
    with transaction.atomic():
        found = CollectionItem.objects.filter(collection=collection, paper=paper).first()
        if found is not None:
            return found
        if collection.items.count() >= MAX_COLLECTION_ITEMS:
            raise LibraryError(f"At most {MAX_COLLECTION_ITEMS:,} papers in one collection.")
        last = collection.items.aggregate(last=Max("position"))["last"]
        try:
            with transaction.atomic():
                item = CollectionItem.objects.create(
                    collection=collection,
                    paper=paper,
                    note=_note(note),
                    position=0 if last is None else last + 1,
                )
        except IntegrityError:
            return CollectionItem.objects.get(collection=collection, paper=paper)
        Collection.objects.filter(pk=collection.pk).update(updated=item.added)
        return item


def collection_item_remove(*, item: CollectionItem) -> None:
    item.delete()


def collection_item_edit(*, item: CollectionItem, note: str) -> CollectionItem:
    item.note = _note(note)
    item.save(update_fields=["note"])
    return item


def collection_item_move(*, item: CollectionItem, offset: int) -> None:
    """Move an item ``offset`` places up (negative) or down, renumbering the collection 0…n-1."""
    with transaction.atomic():
        items = list(
            CollectionItem.objects.select_for_update()
            .filter(collection_id=item.collection_id)
            .order_by("position", "id")
        )
        index = next(i for i, other in enumerate(items) if other.pk == item.pk)
        target = max(0, min(len(items) - 1, index + offset))
        items.insert(target, items.pop(index))
        changed = []
        for position, other in enumerate(items):
            if other.position != position:
                other.position = position
                changed.append(other)
        CollectionItem.objects.bulk_update(changed, ["position"])


# --- Import ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did: papers saved (new), already there, and what it could not use."""

    saved: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    # Ids read but not in this site's catalogue (or hidden by the curators).
    missing: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def library_import(
    *, user: User, scan: ImportScan, collection: Collection | None = None
) -> ImportReport:
    """Save every paper ``scan`` names that the catalogue holds (and add them to ``collection``,
    in the order given); report the rest, nothing silently dropped."""
    _require_member(user)
    report = ImportReport(skipped=list(scan.skipped))
    found = {
        p.arxiv_id: p
        for p in Paper.objects.visible()
        .filter(arxiv_id__in=scan.ids)
        .only("id", "arxiv_id", "hidden")
    }
    had = set(
        SavedPaper.objects.filter(user=user, paper__in=found.values()).values_list(
            "paper__arxiv_id", flat=True
        )
    )
    with transaction.atomic():
        new = []
        for arxiv_id in scan.ids:
            paper = found.get(arxiv_id)
            if paper is None:
                report.missing.append(arxiv_id)
            elif arxiv_id in had:
                report.already.append(arxiv_id)
            else:
                report.saved.append(arxiv_id)
                new.append(SavedPaper(user=user, paper=paper))
        SavedPaper.objects.bulk_create(new, ignore_conflicts=True)
        if collection is not None:
            for arxiv_id in scan.ids:
                if arxiv_id in found:
                    collection_item_add(collection=collection, paper=found[arxiv_id])
    return report
