"""Reads for digests: who is due, and the paper lists a period's digests are built from.

The lists are computed once per (frequency, has-code) pair for a whole send, not per subscriber:
:func:`digest_pool` is what every subscriber's personal digest is cut from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from paperfeed.digests import relay, schedule
from paperfeed.digests.models import Delivery, Subscriber
from paperfeed.papers.periods import Period
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.selectors import featured_list, latest_featured_day
from paperfeed.trending.selectors import trending_papers

# Papers fetched per list: enough for the largest digest after has-code and category filters.
POOL_SIZE = 100
EXPORT_COLUMNS = (
    "email",
    "status",
    "frequency",
    "weekday",
    "send_time",
    "timezone",
    "content",
    "categories",
    "keywords",
    "with_code",
    "paper_count",
)


@dataclass
class Pool:
    """The shared lists for one kind of digest; ``anchor`` is the featured day they end on."""

    frequency: str
    with_code: bool
    anchor: date | None
    featured: list[PaperRow] = field(default_factory=list)
    trending: list[PaperRow] = field(default_factory=list)


def digest_period(*, frequency: str, anchor: date) -> Period:
    """What a digest's featured list covers: a daily digest, the latest featured day (its daily
    page); a weekly one, the ISO week (Monday to Sunday) holding that day, the same list as
    its weekly page, the weekly feed and ``/api/daily_papers?week=``."""
    return Period.day(anchor) if frequency == schedule.DAILY else Period.week_of(anchor)


def digest_pool(*, frequency: str, with_code: bool) -> Pool:
    """The featured list of :func:`digest_period` and trending papers (over a day or a week),
    each up to POOL_SIZE papers, in their public order."""
    anchor = latest_featured_day()
    if anchor is None:
        return Pool(frequency=frequency, with_code=with_code, anchor=None)
    featured, _ = featured_list(
        period=digest_period(frequency=frequency, anchor=anchor), limit=POOL_SIZE
    )
    if with_code:
        featured = [row for row in featured if row.paper.code_url]
    trending = trending_papers(
        window="day" if frequency == schedule.DAILY else "week",
        with_code=with_code,
        limit=POOL_SIZE,
    ).rows
    return Pool(
        frequency=frequency,
        with_code=with_code,
        anchor=anchor,
        featured=featured,
        trending=trending,
    )


def subscribers_due(*, now: datetime) -> Iterator[tuple[int, str]]:
    """(subscriber id, period) for every confirmed subscriber whose send moment has come."""
    rows = Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).values_list(
        "pk", "frequency", "weekday", "send_time", "timezone", "confirmed_at"
    )
    for pk, frequency, weekday, send_time, tz, confirmed_at in rows.iterator(chunk_size=2000):
        period = schedule.due_period(
            frequency=frequency,
            weekday=weekday,
            send_time=send_time,
            tz=tz,
            now=now,
            since=confirmed_at,
        )
        if period is not None:
            yield pk, period


def last_anchors(*, subscriber_ids: list[int]) -> dict[tuple[int, str], date]:
    """The newest content anchor each subscriber was sent, per frequency."""
    out: dict[tuple[int, str], date] = {}
    rows = (
        Delivery.objects.filter(
            subscriber_id__in=subscriber_ids, state=Delivery.State.SENT, anchor__isnull=False
        )
        .values("subscriber_id", "period")
        .annotate(newest=Max("anchor"))
        .values_list("subscriber_id", "period", "newest")
    )
    for subscriber_id, period, newest in rows:
        key = (subscriber_id, period.partition(":")[0])
        if key not in out or newest > out[key]:
            out[key] = newest
    return out


def subscribers_export_csv() -> Iterator[str]:
    """Every subscriber as CSV lines (header first), in the columns the importer reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    yield buffer.getvalue()
    for subscriber in Subscriber.objects.order_by("pk").iterator(chunk_size=2000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                subscriber.email,
                subscriber.status,
                subscriber.frequency,
                subscriber.weekday,
                subscriber.send_time.strftime("%H:%M")
                if hasattr(subscriber.send_time, "strftime")
                else subscriber.send_time,
                subscriber.timezone,
                subscriber.content,
                " ".join(subscriber.categories),
                ", ".join(subscriber.keywords),
                "yes" if subscriber.with_code else "no",
                subscriber.paper_count,
            ]
        )
        yield buffer.getvalue()


def delivery_counts(*, period_prefix: str = "") -> dict[str, int]:
    """How many outbox rows are in each state (optionally for periods starting so)."""
    rows = Delivery.objects.all()
    if period_prefix:
        rows = rows.filter(period__startswith=period_prefix)
    counts = {state: 0 for state in Delivery.State.values}
    for row in rows.values("state").annotate(n=Count("pk")):
        counts[row["state"]] = row["n"]
    return counts


def outbox_health() -> dict[str, Any]:
    """The outbox for ``/healthz``: rows waiting, rows waiting for a retry, and whether the
    relay is paused (rows put back because it refused everyone or could not be reached)."""
    now = timezone.now()
    unfinished = [Delivery.State.PENDING, Delivery.State.SENDING, Delivery.State.FAILED]
    # One pass over the unfinished rows (the (state, next_attempt_at) index), not one per count.
    counts = {state: (0, 0) for state in unfinished}
    for row in (
        Delivery.objects.filter(state__in=unfinished)
        .values("state")
        .annotate(n=Count("pk"), waiting=Count("pk", filter=Q(next_attempt_at__isnull=False)))
    ):
        counts[row["state"]] = (row["n"], row["waiting"])
    failed, retry_waiting = counts[Delivery.State.FAILED]
    last = (
        Delivery.objects.filter(
            state=Delivery.State.FAILED,
            next_attempt_at__isnull=False,
            last_error__startswith=relay.RELAY_FAULT,
        )
        .order_by("-next_attempt_at")
        .values_list("last_error", "next_attempt_at")
        .first()
    )
    return {
        "ok": last is None,
        "pending": counts[Delivery.State.PENDING][0],
        "sending": counts[Delivery.State.SENDING][0],
        "retry_waiting": retry_waiting,
        "given_up": failed - retry_waiting,
        "relay_paused": last is not None,
        "relay_error": "" if last is None else last[0][:300],
        "relay_next_attempt_in_seconds": None
        if last is None or last[1] is None
        else max(0, round((last[1] - now).total_seconds())),
    }
