"""arXiv category names as readers type them (``cs.CL``, ``hep-th``, ``math.AP``). Pure.

The one check every input surface uses (pages, API, feeds, digest preferences, the search box's
``cat:``): anything else is refused with a message, never passed on to a query.
"""

from __future__ import annotations

import re

MAX_CATEGORY = 40
# archive (lowercase, hyphenated: hep-th, astro-ph) and an optional subject class (CL, AP,
# GA, co; arXiv writes some in lowercase, e.g. astro-ph.co in old listings).
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?", re.ASCII)


class InvalidCategory(ValueError):
    """Not an arXiv category; the message can be shown to the reader."""


def parse_category(value: str) -> str:
    """``value`` stripped, if it is an arXiv category name; else :class:`InvalidCategory`."""
    if not isinstance(value, str):
        raise InvalidCategory("A category must be text, e.g. cs.CL.")
    text = value.strip()
    if len(text) > MAX_CATEGORY or not _CATEGORY.fullmatch(text):
        shown = text[:MAX_CATEGORY]
        raise InvalidCategory(f"“{shown}” is not an arXiv category (e.g. cs.CL or hep-th).")
    return text


def is_category(value: str) -> bool:
    try:
        parse_category(value)
    except InvalidCategory:
        return False
    return True
