"""Paths reversed once per URL configuration and script prefix.

``reverse()`` costs tens of microseconds, and a page of cards or a member's menu needs the same
few paths on every request. What ``reverse()`` reads besides its arguments is the URL
configuration (the thread's, else ROOT_URLCONF) and the script prefix, so a value built from
reversed paths is kept under those two: a site mounted under another prefix, or a test with
another URL configuration, gets its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf

T = TypeVar("T")

# Distinct (configuration, prefix) pairs a process meets: one in production, a few in tests.
_KEPT = 16


def per_url_configuration(build: Callable[[], T]) -> Callable[[], T]:
    """``build()`` (which reverses paths) called once per URL configuration and script
    prefix, its value kept for every later call under the same two."""
    kept: dict[tuple[str, str], T] = {}

    @wraps(build)
    def current() -> T:
        key = (str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix())
        try:
            return kept[key]
        except KeyError:
            if len(kept) >= _KEPT:
                kept.clear()
            value = kept[key] = build()
            return value

    return current
