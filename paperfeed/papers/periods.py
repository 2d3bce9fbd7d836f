"""The windows featured lists are cut by: a day, an ISO week, a calendar month. Pure.

One parser for the pages (``/papers/week/2026-W09``), the API (``?week=2026-W09``), the feeds and
the digest, so the same words mean the same days everywhere:

- a day is that date;
- a week is an ISO week, Monday to Sunday (``YYYY-Www``);
- a month is a calendar month (``YYYY-MM``).

Years are bounded (1991..9998, arXiv's first year to one short of date's limit, so the next
week or month still exists). Bad input raises :class:`BadPeriod`, whose message names the
parameter and can be shown to the reader.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["day", "week", "month"]
KINDS: tuple[PeriodKind, ...] = ("day", "week", "month")
MIN_YEAR = 1991
MAX_YEAR = 9998
MAX_INPUT = 20
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_EXAMPLES = {"day": "YYYY-MM-DD, e.g. 2026-02-27", "week": "YYYY-Www, e.g. 2026-W09"}


# A featured day lies between arXiv's first year and tomorrow (a list may be published ahead of
# the reader's midnight). Curators' days are checked against it, and reads ignore days outside
# it, so a day stored before the check (9999-12-31) is never "the latest day".
FEATURED_FIRST_DAY = date(MIN_YEAR, 1, 1)


def featured_last_day(today: date) -> date:
    return today + timedelta(days=1)


def featured_day_problem(day: date, *, today: date) -> str | None:
    """Why ``day`` cannot be a featured day, or None when it can."""
    last = featured_last_day(today)
    if not FEATURED_FIRST_DAY <= day <= last:
        return f"the day must be between {FEATURED_FIRST_DAY} and {last} (tomorrow)"
    return None


class BadPeriod(ValueError):
    """A period that cannot be used; ``name`` is the parameter at fault."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``first`` to ``last``, both included, of one kind ("span" is any run of days, made
    only by code, e.g. the daily feed's last week of days; readers ask for the other three)."""

    kind: PeriodKind | Literal["span"]
    first: date
    last: date

    @classmethod
    def day(cls, day: date) -> Period:
        return cls("day", day, day)

    @classmethod
    def span(cls, first: date, last: date) -> Period:
        return cls("span", first, last)

    @classmethod
    def week_of(cls, day: date) -> Period:
        """The ISO week (Monday to Sunday) that contains ``day``."""
        monday = day - timedelta(days=day.weekday())
        # date.max is a Friday: its week ends where dates end, not in an OverflowError.
        sunday = monday + timedelta(days=6) if monday <= date.max - timedelta(days=6) else date.max
        return cls("week", monday, sunday)

    @classmethod
    def month_of(cls, day: date) -> Period:
        first = day.replace(day=1)
        return cls("month", first, first.replace(day=calendar.monthrange(day.year, day.month)[1]))

    @property
    def label(self) -> str:
        """The period as its parser reads it: ``2026-02-27``, ``2026-W09``, ``2026-02``."""
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return self.first.strftime("%Y-%m")
        if self.kind == "span":
            return f"{self.first.isoformat()}..{self.last.isoformat()}"
        return self.first.isoformat()

    def shifted(self, steps: int) -> Period:
        """The period ``steps`` periods later (earlier when negative), of the same kind."""
        if self.kind == "day":
            return Period.day(self.first + timedelta(days=steps))
        if self.kind == "span":
            length = (self.last - self.first).days + 1
            shift = timedelta(days=length * steps)
            return Period.span(self.first + shift, self.last + shift)
        if self.kind == "week":
            return Period.week_of(self.first + timedelta(days=7 * steps))
        index = self.first.year * 12 + self.first.month - 1 + steps
        return Period.month_of(date(index // 12, index % 12 + 1, 1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def _year(name: str, text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadPeriod(name, f"year {year} is out of range ({MIN_YEAR} to {MAX_YEAR})")
    return year


def parse_period(kind: PeriodKind, value: str, *, name: str | None = None) -> Period:
    """``value`` read as a ``kind`` ("day", "week" or "month"); ``name`` is the parameter named
    in the error (the kind by default)."""
    name = name or kind
    if not isinstance(value, str):
        raise BadPeriod(name, "expected text")
    text = value.strip()
    shown = text[:MAX_INPUT]
    if kind == "day":
        match = _DATE.fullmatch(text)
        if not match:
            raise BadPeriod(name, f"“{shown}” is not a date: use {_EXAMPLES['day']}")
        try:
            return Period.day(date(_year(name, match[1]), int(match[2]), int(match[3])))
        except ValueError as exc:
            if isinstance(exc, BadPeriod):
                raise
            raise BadPeriod(name, f"“{shown}” is not a real day ({exc})") from None
    if kind == "week":
        match = _WEEK.fullmatch(text)
        if not match:
            raise BadPeriod(name, f"“{shown}” is not an ISO week: use {_EXAMPLES['week']}")
        try:
            monday = date.fromisocalendar(_year(name, match[1]), int(match[2]), 1)
        except ValueError as exc:
            if isinstance(exc, BadPeriod):
                raise
            raise BadPeriod(name, f"“{shown}” is not a real ISO week ({exc})") from None
        return Period.week_of(monday)
    if kind == "month":
        match = _MONTH.fullmatch(text)
        if not match:
            raise BadPeriod(name, f"“{shown}” is not a month: use YYYY-MM, e.g. 2026-02")
        year, month = _year(name, match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise BadPeriod(name, f"month {month} does not exist")
        return Period.month_of(date(year, month, 1))
    raise BadPeriod(name, f"unknown period kind {kind!r}")


def parse_one_of(*, day: str | None, week: str | None, month: str | None) -> Period | None:
    """The one period a query string asks for (``date``, ``week`` or ``month``), or None when
    none was given; more than one is an error."""
    asked: list[tuple[PeriodKind, str, str | None]] = [
        ("day", "date", day),
        ("week", "week", week),
        ("month", "month", month),
    ]
    given = [(kind, param, value) for kind, param, value in asked if value]
    if len(given) > 1:
        names = " and ".join(param for _, param, _ in given)
        raise BadPeriod(given[1][1], f"give only one of date, week and month (got {names})")
    if not given:
        return None
    kind, param, value = given[0]
    return parse_period(kind, value or "", name=param)
