"""Parsing the period parameters of the daily-papers API (date, ISO week, month).

Pure functions, no Django: each raises :class:`BadParameter` naming the parameter at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
MIN_YEAR = 1991
MAX_YEAR = 9998


class BadParameter(ValueError):
    """A query parameter that cannot be used; ``name`` is the parameter at fault."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"{name}: {message}")


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``first`` to ``last``, both included."""

    first: date
    last: date


def _year(name: str, text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadParameter(name, f"year {year} is out of range")
    return year


def parse_date(value: str, name: str = "date") -> Period:
    match = _DATE.fullmatch(value.strip())
    if not match:
        raise BadParameter(name, "expected a date as YYYY-MM-DD")
    try:
        day = date(_year(name, match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise BadParameter(name, f"not a real day ({exc})") from None
    return Period(day, day)


def parse_week(value: str, name: str = "week") -> Period:
    match = _WEEK.fullmatch(value.strip())
    if not match:
        raise BadParameter(name, "expected an ISO week as YYYY-Www, e.g. 2025-W09")
    try:
        monday = date.fromisocalendar(_year(name, match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise BadParameter(name, f"not a real ISO week ({exc})") from None
    return Period(monday, monday + timedelta(days=6))


def parse_month(value: str, name: str = "month") -> Period:
    match = _MONTH.fullmatch(value.strip())
    if not match:
        raise BadParameter(name, "expected a month as YYYY-MM")
    year, month = _year(name, match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise BadParameter(name, f"month {month} does not exist")
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))


def parse_period(
    *, date_: str | None, week: str | None, month: str | None
) -> tuple[str, Period] | None:
    """The one period asked for, as (kind, period), or None when none was given."""
    given = [
        (name, value)
        for name, value in (("date", date_), ("week", week), ("month", month))
        if value not in (None, "")
    ]
    if len(given) > 1:
        names = " and ".join(name for name, _ in given)
        raise BadParameter(given[1][0], f"give only one of date, week and month (got {names})")
    if not given:
        return None
    name, value = given[0]
    assert value is not None
    parser = {"date": parse_date, "week": parse_week, "month": parse_month}[name]
    return name, parser(value)
