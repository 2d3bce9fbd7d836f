"""The batch write of featured entries leaves the same rows as writing them entry by entry
(``get_or_create``, as before), and falls back to that when another import races it."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from paperfeed.papers import upsert_featured
from paperfeed.papers.models import Featured
from paperfeed.papers.records import FeaturedRecord, PaperRecord
from tests.factories import FeaturedFactory, PaperFactory

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 3)


def _record(day: date, upvotes: int, submitter: str = "", source: str = "hf_daily"):
    featured = FeaturedRecord(day=day, upvotes=upvotes, submitter=submitter, comment="c")
    return PaperRecord(arxiv_id="x", source=source, featured=featured)


def _scenario() -> list[tuple[int, PaperRecord]]:
    """Stored entries to grow, to keep and to complete, new ones, and one (paper, day) listed
    three times in the batch (the same day in two scrapes)."""
    stored, kept, unnamed, fresh = (PaperFactory() for _ in range(4))
    FeaturedFactory(paper=stored, day=MONDAY, upvotes=5, submitter_name="Ada")
    FeaturedFactory(paper=kept, day=MONDAY, upvotes=50, submitter_name="")
    FeaturedFactory(paper=unnamed, day=TUESDAY, upvotes=1, submitter_name="", pinned=True)
    return [
        (stored.id, _record(MONDAY, 9, "Bob")),  # more upvotes; the name stays Ada
        (kept.id, _record(MONDAY, 3)),  # fewer: kept at 50, no name to fill
        (unnamed.id, _record(TUESDAY, 1, "Cy" * 100)),  # the name filled, cut at 150
        (stored.id, _record(TUESDAY, 2, "Dee", source="arxiv_api")),  # a new day of a paper
        (fresh.id, _record(MONDAY, 4)),
        (fresh.id, _record(MONDAY, 7, "Eve")),  # later in the batch: grows and fills
        (fresh.id, _record(MONDAY, 6, "Fay")),  # an older count: no change
    ]


def _rows() -> list[tuple[object, ...]]:
    fields = ("paper_id", "day", "source", "upvotes", "submitter_name", "comment", "pinned")
    return sorted(Featured.objects.values_list(*fields))


def test_the_batch_leaves_the_rows_writing_entry_by_entry_leaves():
    records = _scenario()
    upsert_featured.write_featured(records)
    written = _rows()
    Featured.objects.all().delete()
    records = _scenario()
    upsert_featured._write_each(records)
    by_entry = _rows()
    assert [row[1:] for row in written] == [row[1:] for row in by_entry]
    assert len(written) == 5
    assert ("Eve", 7) in {(row[4], row[3]) for row in written}


def test_a_race_with_another_import_falls_back_to_entry_by_entry(monkeypatch):
    records = _scenario()
    real = Featured.objects.bulk_create

    def racing(objects, *args, **kwargs):
        # Another import stored one of the new entries after this batch read them.
        first = objects[0]
        Featured.objects.create(paper_id=first.paper_id, day=first.day, source="hf_daily")
        return real(objects, *args, **kwargs)

    monkeypatch.setattr(Featured.objects, "bulk_create", racing)
    with pytest.raises(IntegrityError), transaction.atomic():
        upsert_featured._write_batch(records)  # the batch path alone fails on the race
    upsert_featured.write_featured(records)
    monkeypatch.undo()
    written = _rows()
    Featured.objects.all().delete()
    records = _scenario()
    upsert_featured._write_each(records)
    assert [row[1:] for row in written] == [row[1:] for row in _rows()]
