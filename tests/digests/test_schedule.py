"""digests/schedule.py: periods and when a subscriber's digest is due (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from paperfeed.digests import schedule


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class TestSchedule:
    def test_daily_is_due_after_the_local_send_time_on_weekdays(self):
        kwargs = dict(frequency="daily", weekday=0, send_time=time(8), since=None)
        # 2026-11-27 is a Friday. 08:00 in Tokyo is 23:00 UTC the day before.
        assert schedule.due_period(tz="Asia/Tokyo", now=at("2026-11-26T22:59"), **kwargs) is None
        assert (
            schedule.due_period(tz="Asia/Tokyo", now=at("2026-11-26T23:00"), **kwargs)
            == "daily:2026-11-27"
        )
        assert schedule.due_period(tz="UTC", now=at("2026-11-27T07:59"), **kwargs) is None
        assert schedule.due_period(tz="UTC", now=at("2026-11-27T08:00"), **kwargs) == (
            "daily:2026-11-27"
        )
        # Saturday: no daily digest.
        assert schedule.due_period(tz="UTC", now=at("2026-11-28T12:00"), **kwargs) is None

    def test_weekly_is_due_from_the_chosen_day_on_and_names_the_week(self):
        kwargs = dict(frequency="weekly", weekday=2, send_time=time(9), tz="Europe/Paris")
        # Wednesday 2026-11-25 09:00 in Paris is 08:00 UTC.
        assert schedule.due_period(now=at("2026-11-25T07:59"), since=None, **kwargs) is None
        assert schedule.due_period(now=at("2026-11-25T08:00"), since=None, **kwargs) == (
            "weekly:2026-11-23"
        )
        # Later in the same week it is still that week (a missed tick is caught up) ...
        assert schedule.due_period(now=at("2026-11-28T08:00"), since=None, **kwargs) == (
            "weekly:2026-11-23"
        )
        # ... but not for someone who subscribed after this week's send moment.
        assert (
            schedule.due_period(now=at("2026-11-28T08:00"), since=at("2026-11-26T00:00"), **kwargs)
            is None
        )

    def test_unknown_zone_falls_back_to_utc_and_bad_periods_are_refused(self):
        assert schedule.zone("Mars/Olympus").key == "UTC"
        with pytest.raises(ValueError):
            schedule.period_bounds("hourly:2026-01-01")

    def test_backoff_doubles_and_is_capped(self):
        assert [schedule.retry_delay(attempts=n) for n in (1, 2, 3)] == [60, 120, 240]
        assert schedule.retry_delay(attempts=40) == 6 * 3600
