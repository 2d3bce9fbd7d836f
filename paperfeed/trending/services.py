"""Writes of the trending app: upvote snapshots.

Star history lives in :mod:`.stars`, the stored scores in :mod:`.scores`, code links in
:mod:`.links`. Nothing here raises on
bad outside data: a hostile link is logged with its reason and the job goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from paperfeed.papers.models import Featured
from paperfeed.trending.models import UpvoteSnapshot

logger = logging.getLogger(__name__)


# --- Upvote snapshots ------------------------------------------------------------------------


def upvotes_record_snapshot(
    *, paper_ids_and_counts: Iterable[tuple[int, int]], taken_at: datetime, source: str
) -> int:
    """Store each paper's upvote count at ``source`` at ``taken_at``; returns rows written.

    A snapshot already stored for the same paper, source and moment is kept as it is.
    """
    rows = [
        UpvoteSnapshot(
            paper_id=paper_id, taken_at=taken_at, count=max(int(count), 0), source=source
        )
        for paper_id, count in paper_ids_and_counts
        if paper_id is not None
    ]
    if not rows:
        return 0
    UpvoteSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def upvote_snapshot_time(*, record_source: str, day: date, now: datetime) -> datetime:
    """When an imported count was true: scrapes ran at about 00:00 UTC of their day; a live HF
    import saw the count now, or by the end of the featured day for a past day."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if record_source == "hf_scrape":
        return start
    return min(now, start + timedelta(days=1))


def upvotes_record_featured(*, entries: Iterable[tuple[int | None, str, date, int]]) -> int:
    """Hook for the importer: (paper id, record source, featured day, upvotes) per record."""
    now = timezone.now()
    groups: dict[tuple[datetime, str], list[tuple[int, int]]] = {}
    for paper_id, record_source, day, upvotes in entries:
        if paper_id is None:
            continue
        source = "hf" if record_source.startswith("hf") else record_source
        when = upvote_snapshot_time(record_source=record_source, day=day, now=now)
        groups.setdefault((when, source), []).append((paper_id, upvotes))
    return sum(
        upvotes_record_snapshot(paper_ids_and_counts=items, taken_at=when, source=source)
        for (when, source), items in groups.items()
    )


# --- Upvote snapshots imported earlier ----------------------------------------------------


def upvote_snapshots_from_featured() -> int:
    """Backfill upvote snapshots from featured rows imported before snapshots existed."""

    rows = [
        UpvoteSnapshot(
            paper_id=paper_id,
            taken_at=datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1),
            count=upvotes,
            source="hf",
        )
        for paper_id, day, upvotes in Featured.objects.filter(
            source=Featured.Source.HF_DAILY
        ).values_list("paper_id", "day", "upvotes")
    ]
    UpvoteSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)
