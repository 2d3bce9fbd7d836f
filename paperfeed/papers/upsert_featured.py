"""The upsert's featured entries: one per (paper, day), created or completed from a batch.

A batch's entries are read in one query per chunk of papers and the new ones written by one
``bulk_create``: entry by entry (``get_or_create``, a savepoint and two statements each) a
year of Hugging Face lists, 5,917 entries, cost 40 s of an import. Should another import store
one of the entries meanwhile, the batch's savepoint is rolled back and it is done entry by
entry, which resolves that race as before.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from paperfeed.papers.models import Featured
from paperfeed.papers.records import PaperRecord
from paperfeed.papers.upsert import IN_CHUNK


def write_featured(records: list[tuple[int, PaperRecord]]) -> None:
    """Create or complete the featured entry of each (paper id, record with ``featured``), in
    order: upvotes at the source only grow (an older scrape must not lower them), and a
    submitter's name fills an empty one."""
    try:
        with transaction.atomic():
            _write_batch(records)
    except IntegrityError:
        _write_each(records)


def _created(record: PaperRecord) -> dict[str, Any]:
    """A new entry's fields besides its paper and day."""
    featured = record.featured
    assert featured is not None
    return {
        "source": Featured.Source.HF_DAILY if record.source.startswith("hf") else record.source,
        "upvotes": featured.upvotes,
        "submitter_name": featured.submitter[:150],
        "comment": featured.comment,
    }


def _changes(entry: Featured, record: PaperRecord) -> dict[str, Any]:
    featured = record.featured
    assert featured is not None
    changes: dict[str, Any] = {}
    if featured.upvotes > entry.upvotes:
        changes["upvotes"] = featured.upvotes
    if featured.submitter and not entry.submitter_name:
        changes["submitter_name"] = featured.submitter[:150]
    return changes


def _write_batch(records: list[tuple[int, PaperRecord]]) -> None:
    days = {record.featured.day for _, record in records if record.featured is not None}
    paper_ids = sorted({paper_id for paper_id, _ in records})
    entries: dict[tuple[int, Any], Featured] = {}
    for start in range(0, len(paper_ids), IN_CHUNK):
        chunk = paper_ids[start : start + IN_CHUNK]
        for stored in Featured.objects.filter(paper_id__in=chunk, day__in=days).order_by():
            entries[stored.paper_id, stored.day] = stored
    new: list[Featured] = []
    changed: dict[int, set[str]] = {}
    for paper_id, record in records:
        featured = record.featured
        assert featured is not None
        found = entries.get((paper_id, featured.day))
        if found is None:
            entry = Featured(paper_id=paper_id, day=featured.day, **_created(record))
            entries[paper_id, featured.day] = entry
            new.append(entry)
            continue
        entry = found
        changes = _changes(entry, record)
        for name, value in changes.items():
            setattr(entry, name, value)  # a new entry is created with its final values
        if changes and entry.pk is not None:
            changed.setdefault(entry.pk, set()).update(changes)
    Featured.objects.bulk_create(new)
    by_pk = {entry.pk: entry for entry in entries.values() if entry.pk is not None}
    for pk, names in changed.items():
        values = {name: getattr(by_pk[pk], name) for name in names}
        Featured.objects.filter(pk=pk).update(**values, updated_at=timezone.now())


def _write_each(records: list[tuple[int, PaperRecord]]) -> None:
    for paper_id, record in records:
        featured = record.featured
        assert featured is not None
        entry, created = Featured.objects.get_or_create(
            paper_id=paper_id, day=featured.day, defaults=_created(record)
        )
        if not created:
            changes = _changes(entry, record)
            if changes:
                Featured.objects.filter(pk=entry.pk).update(**changes, updated_at=timezone.now())
