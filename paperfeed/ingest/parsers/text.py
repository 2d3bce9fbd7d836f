"""Text fields of upstream records: cleaning, optional text, counts, and the error a parser
raises for one bad record (pure)."""

from __future__ import annotations

import re
import unicodedata

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 control characters other than whitespace never belong in metadata.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Counts (upvotes, stars) above this are not real, and would overflow a database integer.
MAX_COUNT = 1_000_000_000


class BadRecord(Exception):
    """Raised inside a parser while reading one record; becomes a :class:`Rejected`."""

    def __init__(self, reason: str, arxiv_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.arxiv_id = arxiv_id


# --------------------------------------------------------------------------- text fields


def clean(value: str) -> str:
    """Normalise to NFC, drop control characters and collapse whitespace (arXiv hard-wraps
    at ~80 columns); LaTeX stays as text. Lone UTF-16 surrogates (which JSON escapes can produce
    and no database accepts) become U+FFFD.
    """
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    # Fast paths. A printable str holds no control characters and no whitespace but " ";
    # hard-wrapped abstracts are printable once their newlines are spaces. Each scan of the
    # text is done once (``isprintable`` reads every character: ~4 µs an abstract).
    printable = value.isprintable()
    if not printable:
        unwrapped = value.replace("\n", " ")
        printable = unwrapped.isprintable()
        value = unwrapped if printable else _CONTROL.sub("", _SURROGATE.sub("\ufffd", value))
    if printable and "  " not in value:
        return value.strip()
    # str.split() splits on exactly the characters the ``\s`` of a str pattern matches; on a
    # printable text without double spaces it gives what strip() gives.
    return " ".join(value.split())


def text(value: object, field: str) -> str | None:
    """A cleaned text field; ``None`` for missing/null; :class:`BadRecord` for non-text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{field} is not text (got {type(value).__name__})")
    return clean(value)


def optional_text(value: object, field: str) -> str | None:
    """Like :func:`text`, but an empty string means "not given" (``None``)."""
    cleaned = text(value, field)
    return cleaned or None


def integer(value: object, field: str) -> int | None:
    """A non-negative integer field (``None`` when missing). Accepts digit strings."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadRecord(f"{field} is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise BadRecord(f"{field} is not a whole number ({str(value)[:40]!r})")
    if number < 0:
        raise BadRecord(f"{field} is negative ({number})")
    if number > MAX_COUNT:
        raise BadRecord(f"{field} is implausibly large ({number})")
    return number


def strip_surrogates(value: str) -> str:
    if value.isascii():  # a flag of the str: no search needed
        return value
    return _SURROGATE.sub("\ufffd", value)
