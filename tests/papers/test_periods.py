"""The one period parser: a day, an ISO week (Monday to Sunday), a calendar month."""

from __future__ import annotations

from datetime import date

import pytest

from paperfeed.papers.periods import (
    BadPeriod,
    Period,
    featured_day_problem,
    parse_one_of,
    parse_period,
)


def test_a_day_a_week_and_a_month():
    assert parse_period("day", "2026-02-27") == Period("day", date(2026, 2, 27), date(2026, 2, 27))
    week = parse_period("week", "2026-W09")
    assert (week.first, week.last) == (date(2026, 2, 23), date(2026, 3, 1))
    assert week.first.weekday() == 0 and week.label == "2026-W09"
    # ISO week 1 of 2026 starts in 2025; week 53 exists only in long years.
    assert parse_period("week", "2026-W01").first == date(2025, 12, 29)
    assert parse_period("week", "2020-W53").last == date(2021, 1, 3)
    month = parse_period("month", "2024-02")
    assert (month.first, month.last, month.label) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
        "2024-02",
    )
    assert parse_period("day", " 2026-02-27 ").label == "2026-02-27"


def test_week_of_and_month_of_contain_the_day_and_shift():
    day = date(2026, 3, 1)  # a Sunday
    assert Period.week_of(day) == parse_period("week", "2026-W09")
    assert day in Period.week_of(day) and date(2026, 3, 2) not in Period.week_of(day)
    assert Period.month_of(day).shifted(-1) == parse_period("month", "2026-02")
    assert Period.month_of(date(2026, 12, 5)).shifted(1).label == "2027-01"
    assert Period.week_of(day).shifted(1).label == "2026-W10"
    assert Period.day(day).shifted(-1).label == "2026-02-28"


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        ("day", "2026-02-30", "not a real day"),
        ("day", "27/02/2026", "not a date"),
        ("day", "١٩٩٩-01-01", "not a date"),  # non-ASCII digits
        ("day", "1990-12-31", "out of range"),
        ("day", "9999-12-31", "out of range"),
        ("week", "2026-W54", "not a real ISO week"),
        ("week", "2026-W00", "not a real ISO week"),
        ("week", "2026-9", "not an ISO week"),
        ("month", "2026-13", "does not exist"),
        ("month", "0000-01", "out of range"),
        ("month", "x" * 5000, "not a month"),
    ],
)
def test_bad_input_gets_a_clear_error(kind, value, words):
    with pytest.raises(BadPeriod) as caught:
        parse_period(kind, value)
    assert words in str(caught.value)
    assert len(str(caught.value)) < 200


def test_parse_one_of_names_the_parameter():
    assert parse_one_of(day=None, week=None, month="") is None
    assert parse_one_of(day="2026-02-27", week=None, month=None) == Period.day(date(2026, 2, 27))
    with pytest.raises(BadPeriod) as caught:
        parse_one_of(day="2026-02-27", week="2026-W09", month=None)
    assert caught.value.name == "week" and "only one" in str(caught.value)
    with pytest.raises(BadPeriod) as caught:
        parse_one_of(day="2026-02-31", week=None, month=None)
    assert str(caught.value).startswith("date: ")


def test_the_week_of_the_last_date_ends_with_dates():
    assert Period.week_of(date.max) == Period("week", date(9999, 12, 27), date.max)


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (date(1991, 1, 1), True),
        (date(2026, 3, 11), True),  # tomorrow
        (date(2026, 3, 12), False),
        (date(1990, 12, 31), False),
        (date(9999, 12, 31), False),
        (date(1, 1, 1), False),
    ],
)
def test_a_featured_day_lies_between_1991_and_tomorrow(day, ok):
    problem = featured_day_problem(day, today=date(2026, 3, 10))
    assert (problem is None) is ok
