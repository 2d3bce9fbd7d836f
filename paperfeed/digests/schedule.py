"""When a subscriber's digest is due: pure date arithmetic, no Django.

A *period* is the unit that is mailed at most once: for the daily digest the subscriber's local
calendar day (weekdays only), for the weekly one the local week (named by its Monday). Its
*send moment* is the chosen time (and, weekly, the chosen day) in the subscriber's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAILY = "daily"
WEEKLY = "weekly"


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; UTC when the name is unknown (checked on input)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_day(*, frequency: str, local_day: date, weekday: int) -> date | None:
    """The day whose send moment opens the period containing ``local_day``; None when there is
    no daily digest that day (weekends)."""
    if frequency == WEEKLY:
        monday = local_day - timedelta(days=local_day.weekday())
        return monday + timedelta(days=weekday % 7)
    return local_day if local_day.weekday() < 5 else None


def period_key(*, frequency: str, tz: str, now: datetime) -> str:
    """The name of the period containing ``now`` for this subscriber ("daily:2026-11-27",
    "weekly:2026-11-23"); weekend days still name a daily period, for operators' forced sends."""
    local_day = now.astimezone(zone(tz)).date()
    if frequency == WEEKLY:
        return f"{WEEKLY}:{(local_day - timedelta(days=local_day.weekday())).isoformat()}"
    return f"{DAILY}:{local_day.isoformat()}"


def due_period(
    *,
    frequency: str,
    weekday: int,
    send_time: time,
    tz: str,
    now: datetime,
    since: datetime | None,
) -> str | None:
    """The period to mail now, or None.

    Due once ``now`` has reached the period's send moment. A period whose send moment came
    before ``since`` (when the subscription was confirmed) is not mailed: a reader who confirms
    on Wednesday afternoon gets their first weekly digest the next week, not at once.
    """
    local = now.astimezone(zone(tz))
    day = period_day(frequency=frequency, local_day=local.date(), weekday=weekday)
    if day is None:
        return None
    moment = datetime.combine(day, send_time, tzinfo=zone(tz))
    if now < moment or (since is not None and moment < since):
        return None
    return period_key(frequency=frequency, tz=tz, now=now)


def period_bounds(period: str) -> tuple[str, date]:
    """("daily" | "weekly", first day) of a period key; ValueError on anything else."""
    frequency, _, day = period.partition(":")
    if frequency not in (DAILY, WEEKLY):
        raise ValueError(f"not a period: {period!r}")
    return frequency, date.fromisoformat(day)


def retry_delay(*, attempts: int, base_seconds: int = 60, cap_seconds: int = 6 * 3600) -> int:
    """Exponential backoff: 1, 2, 4 ... minutes after each failed attempt, at most ``cap``."""
    return int(min(cap_seconds, base_seconds * 2 ** max(attempts - 1, 0)))
