"""Checks on what readers type: addresses, categories and keywords. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable

from paperfeed.papers.categories import is_category

MAX_ITEMS = 20
MAX_KEYWORD = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class InputError(ValueError):
    """Refused input, with a message to show the person who typed it."""


def normalize_address(raw: object) -> str:
    """The address in the form we store and mail to: the domain in IDNA (ASCII) form.

    Line breaks are refused outright (they are how headers get injected); international domains
    are accepted and encoded; a non-ASCII part before the @ is refused because it needs SMTPUTF8,
    which many servers lack.
    """
    if not isinstance(raw, str):
        raise InputError("Please give an email address.")
    if _CONTROL.search(raw):
        raise InputError("An email address cannot contain line breaks or control characters.")
    raw = raw.strip()
    if not raw:
        raise InputError("Please give an email address.")
    if len(raw) > 254:
        raise InputError("That email address is too long.")
    # Imported here: it pulls in dnspython (~50 ms), and every web worker imports this module
    # (the subscribe form) though few requests carry an address.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InputError(f"That is not a valid email address: {exc}") from exc
    return str(checked.ascii_email)


def _split(value: str | Iterable[str]) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]


def clean_categories(value: str | Iterable[str]) -> list[str]:
    """arXiv category names ("cs.CL", "math"), deduplicated; InputError on anything else."""
    items = (
        value.replace(",", " ").replace(";", " ").split()
        if isinstance(value, str)
        else (_split(value))
    )
    if len(items) > MAX_ITEMS:
        raise InputError(f"At most {MAX_ITEMS} categories, please.")
    out: list[str] = []
    for item in items:
        if not is_category(item):
            raise InputError(f"{item[:40]!r} is not an arXiv category such as cs.CL.")
        if item not in out:
            out.append(item)
    return out


def clean_keywords(value: str | Iterable[str]) -> list[str]:
    """Keywords or phrases, deduplicated case-insensitively; InputError on anything odd."""
    items = _split(value)
    if len(items) > MAX_ITEMS:
        raise InputError(f"At most {MAX_ITEMS} keywords, please.")
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if _CONTROL.search(item):
            raise InputError("Keywords cannot contain control characters.")
        if len(item) > MAX_KEYWORD:
            raise InputError(f"A keyword can be at most {MAX_KEYWORD} characters long.")
        if item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out
