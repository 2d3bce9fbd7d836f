"""Shared template filters (paperfeed/core/templatetags/times.py): an event's <time>."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from paperfeed.core.templatetags.times import ago, when

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW - timedelta(seconds=20), "just now"),
        (NOW + timedelta(seconds=30), "just now"),  # a clock a little ahead
        (NOW + timedelta(hours=2), ""),
        (NOW - timedelta(minutes=1), "1 minute ago"),
        (NOW - timedelta(minutes=59), "59 minutes ago"),
        (NOW - timedelta(hours=5), "5 hours ago"),
        (NOW - timedelta(hours=30), "yesterday"),
        (NOW - timedelta(days=3), "3 days ago"),
        (NOW - timedelta(days=20), "2 weeks ago"),
        (NOW - timedelta(days=100), "3 months ago"),
        (NOW - timedelta(days=400), ""),
        (date(2026, 11, 30), "today"),
        (date(2026, 11, 29), "yesterday"),
        (date(2026, 11, 2), "4 weeks ago"),
        (date(2026, 12, 1), ""),
        (date(2020, 1, 1), ""),
    ],
)
def test_ago(moment, expected):
    assert ago(moment, NOW) == expected


def test_when_is_a_time_element_with_the_exact_moment_on_hover():
    moment = timezone.now() - timedelta(days=2)
    html = when(moment)
    assert html.startswith(f'<time datetime="{moment.isoformat(timespec="seconds")}" title="')
    assert f"{moment:%d %b %Y}".lstrip("0") in html and "UTC" in html
    assert html.endswith(">2 days ago</time>")


def test_when_shows_the_date_when_too_old_for_ago():
    assert (
        when(date(2020, 3, 12))
        == '<time datetime="2020-03-12" title="12 Mar 2020">12 Mar 2020</time>'
    )
    assert when(date(2020, 3, 12), "long") == (
        '<time datetime="2020-03-12" title="12 March 2020">12 March 2020</time>'
    )


def test_when_day_shows_a_datetime_as_its_day():
    html = when(datetime(2020, 3, 12, 23, 30, tzinfo=UTC), "long day")
    assert html == '<time datetime="2020-03-12" title="12 March 2020">12 March 2020</time>'


def test_when_reads_iso_strings_and_escapes_anything_else():
    assert 'datetime="2020-03-12T10:00:00+00:00"' in when("2020-03-12T10:00:00+00:00")
    assert when("<b>soon</b>") == "&lt;b&gt;soon&lt;/b&gt;"
    assert when(None) == ""


def test_when_in_a_template():
    html = Template("{% load times %}{{ day|when }}").render(Context({"day": timezone.localdate()}))
    assert html.endswith(">today</time>")


def test_when_reads_a_time_without_its_zone_as_utc():
    html = when("2020-03-12T10:00:00")
    assert 'datetime="2020-03-12T10:00:00+00:00"' in html and ">12 Mar 2020</time>" in html
    assert 'datetime="2020-03-12"' in when("2020-03-12", "day")


def test_a_days_time_moves_on_at_midnight_though_it_is_remembered(monkeypatch):
    """A day's <time> is worked out once per process and day: the next day it says so."""
    day = date(2026, 11, 29)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 29))
    assert when(day).endswith(">today</time>")
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 30))
    assert when(day).endswith(">yesterday</time>")
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 12, 3))
    assert when(day).endswith(">4 days ago</time>")
    assert when(day, "long").endswith(">4 days ago</time>") and 'title="29 November 2026"' in when(
        day, "long"
    )


@pytest.mark.parametrize("day_format", ["j M Y", "j F Y", "Y-m-d"])
def test_a_days_text_is_djangos_dateformat_in_every_month_and_language(day_format, settings):
    """The cards' day, written from month names kept per language, is byte for byte what
    Django's dateformat writes: every month, a year below 1000 (zero-padded), and in another
    active language."""
    from datetime import date

    from django.utils import dateformat, translation

    from paperfeed.core.templatetags.times import day_text

    days = [date(2024, month, day) for month in range(1, 13) for day in (1, 9, 28)]
    days.append(date(987, 3, 5))
    for value in days:
        assert day_text(value, day_format) == dateformat.format(value, day_format)
    settings.USE_I18N = True
    with translation.override("fr"):
        for value in days:
            assert day_text(value, day_format) == dateformat.format(value, day_format)


@pytest.mark.parametrize("zone_name", ["UTC", "Pacific/Kiritimati", "America/Santiago"])
def test_a_days_time_says_what_ago_says_at_the_start_of_today(zone_name):
    """A day's <time> counts whole days from ``today`` (given by the caller or read from the
    clock) and says what :func:`ago` says of the day at the start of today, in any time zone
    (one 14 hours ahead, one whose clocks change at midnight): every day a year back, the
    day itself and days ahead."""
    from datetime import time
    from zoneinfo import ZoneInfo

    with timezone.override(ZoneInfo(zone_name)):
        today = timezone.localdate()
        start = timezone.make_aware(datetime.combine(today, time()))
        for back in [*range(-3, 400), 1000, 20000]:
            value = today - timedelta(days=back)
            shown = f"{value.day} {value:%b} {value.year:04d}"
            expected = (
                f'<time datetime="{value.isoformat()}" title="{shown}">'
                f"{ago(value, start) or shown}</time>"
            )
            assert when(value, today=today) == expected
            assert when(value) == expected
            assert (
                when(
                    datetime.combine(value, time(12), timezone.get_current_timezone()),
                    "day",
                    today=today,
                )
                == expected
            )
