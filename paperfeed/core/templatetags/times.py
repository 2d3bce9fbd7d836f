"""Template filters every app's pages share: ``{% load times %}``."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from paperfeed.core import bodykeep

register = template.Library()

# Older events show their date: "3 years ago" says less than "12 Mar 2023".
RELATIVE_DAYS = 365
_DATE_FORMATS = {"short": "j M Y", "long": "j F Y"}


def ago(moment: date | datetime, now: datetime) -> str:
    """'just now', '5 minutes ago', 'yesterday', '3 weeks ago', '11 months ago'; for a day
    (a ``date``) no finer than 'today'. '' when the event is a year or more old, or ahead
    of ``now`` by more than a minute (clocks differ; a future time is not 'ago')."""
    if isinstance(moment, datetime):
        seconds = (now - moment).total_seconds()
        if seconds < -60:
            return ""
        if seconds < 60:
            return "just now"
        if seconds < 3600:
            return _count(int(seconds // 60), "minute")
        if seconds < 86400:
            return _count(int(seconds // 3600), "hour")
        days = (timezone.localtime(now).date() - timezone.localtime(moment).date()).days
    else:
        return _day_words((timezone.localtime(now).date() - moment).days)
    return _days_ago(days)


def words_until(moment: datetime, now: datetime) -> float:
    """When :func:`ago`'s words for ``moment``, less than a day before ``now``, next change
    (epoch seconds): at the next whole minute since it within its first hour ("just now" to
    "1 minute ago" at 60 s), at the next whole hour after it (the day's words at 24 h); for a
    moment more than a minute ahead of ``now`` (shown as its date), a minute before it."""
    seconds = (now - moment).total_seconds()
    if seconds < -60:
        return moment.timestamp() - 60
    step = 60 if seconds < 3600 else 3600
    return moment.timestamp() + max(step * (seconds // step + 1), 60)


def _day_words(days: int) -> str:
    """:func:`ago`'s words for a day (a ``date``) ``days`` back: no finer than 'today'."""
    return "today" if days == 0 else _days_ago(days)


def _days_ago(days: int) -> str:
    """:func:`ago`'s words for an event ``days`` whole days back (a day or more)."""
    if days < 0 or days >= RELATIVE_DAYS:
        return ""
    if days <= 1:
        return "yesterday"
    if days < 14:
        return _count(days, "day")
    if days < 60:
        return _count(days // 7, "week")
    return _count(days // 30, "month")


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'s' if number != 1 else ''} ago"


@register.filter
def when(
    value: date | datetime | str | None,
    style: str = "short",
    *,
    zone: tzinfo | None = None,
    today: date | None = None,
) -> SafeString:
    """``<time>`` for an event: how long ago it was, the exact date (and time) on hover, and
    the date itself when it is too old for 'ago' to help. ``style``: "short" (12 Mar 2024) or
    "long" (12 March 2024), plus "day" to show a datetime as its day only ("long day"). An
    ISO 8601 string (a version's date in ``Paper.versions``) is read as its moment.

    Relative to the time of rendering: an anonymous page served from the page cache is at
    most PAPERFEED_PAGE_CACHE_SECONDS old, so '5 minutes ago' can be that much behind.
    ``zone``: the current time zone, when the caller has read it already; ``today``: the
    current day in it, likewise (a page of cards reads the clock once, not once a card).
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return format_html("{}", value)
    if value is None:
        return mark_safe("")
    if isinstance(value, datetime) and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)  # stored times are UTC; a bare one is read so
    words = style.split()
    day_format = _DATE_FORMATS["long" if "long" in words else "short"]
    # The current time zone read once: a card's date read it three times (a lookup in a
    # context-local each), a tenth of a search result's card.
    if zone is None:
        zone = timezone.get_current_timezone()
    if isinstance(value, datetime) and "day" in words:
        value = value.astimezone(zone).date()
    if isinstance(value, datetime):
        local = value.astimezone(zone)
        exact = dateformat.format(local, f"{day_format}, H:i T")
        stamp = value.isoformat(timespec="seconds")
        shown = dateformat.format(local, day_format)
    else:
        # SafeString is what mark_safe returns for a str, without its lazy-string wrapper.
        return SafeString(_day_html(value, day_format, today or timezone.localdate(timezone=zone)))
    now = timezone.now()
    if (now - value).total_seconds() < 86400:
        # "5 minutes ago", "3 hours ago": a kept body showing it is not kept past the moment
        # the words move on (words of a day or more move at midnight, which bounds every kept
        # body): renewed until then, as a trending list "as of 9 hours ago" is.
        bodykeep.keep_until(words_until(value, now))
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        stamp,
        exact,
        ago(value, now) or shown,
    )


@lru_cache(maxsize=4096)
def _day_html(value: date, day_format: str, today: date) -> str:
    """A day's ``<time>``: the same for every card of that day until ``today`` moves on, so it
    is worked out once per process and day (a search page shows twenty cards, each with one;
    Django's dateformat cost more than the rest of the card's meta row)."""
    shown = html.escape(day_text(value, day_format))
    # What ago(value, the start of today) says, from the day numbers alone: making that moment
    # aware and converting it back read the current time zone twice, a third of a miss here
    # (a 1 M search shows days from decades, so most cards miss).
    since = _day_words((today - value).days)
    # As format_html writes it: each value escaped (the ISO day has nothing to escape).
    return (
        f'<time datetime="{value.isoformat()}" title="{shown}">{html.escape(since) or shown}</time>'
    )


def day_text(value: date, day_format: str) -> str:
    """``dateformat.format(value, day_format)``; for the cards' "j M Y" and "j F Y" written
    from the month's name worked out once per language: a search at a million papers shows
    days from decades, mostly not in :func:`_day_html`'s cache, and Django's formatter (an
    object, a regex split and a translated lookup a character) cost ~60 µs a day."""
    parts = day_format.split()
    if len(parts) == 3 and parts[0] == "j" and parts[1] in ("M", "F") and parts[2] == "Y":
        month = _month_names(parts[1], get_language())[value.month - 1]
        return f"{value.day} {month} {value.year:04d}"
    return dateformat.format(value, day_format)


@lru_cache(maxsize=16)
def _month_names(letter: str, language: str | None) -> tuple[str, ...]:
    """The twelve months as ``dateformat`` writes ``letter`` ("M": "Jan", "F": "January") in
    ``language`` (the active one, part of the cache key)."""
    return tuple(dateformat.format(date(2000, month, 1), letter) for month in range(1, 13))
