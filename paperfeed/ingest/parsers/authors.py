"""Author names: LaTeX accents decoded, author strings split into names (pure)."""

from __future__ import annotations

import re
import unicodedata

from paperfeed.ingest.parsers.text import BadRecord, clean

# --------------------------------------------------------------------------- authors

_LATEX_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_LATEX_ACCENT = re.compile(
    r"""\{?\\(?P<acc>['`^"~=.]|[uvHckr](?=[\s{]))\s*(?:\{\s*(?P<braced>\\?[A-Za-z])\s*\}|(?P<bare>\\?[A-Za-z]))\}?"""
)
_LATEX_LETTERS = {
    r"\ss": "ß",
    r"\o": "ø",
    r"\O": "Ø",
    r"\ae": "æ",
    r"\AE": "Æ",
    r"\aa": "å",
    r"\AA": "Å",
    r"\l": "ł",
    r"\L": "Ł",
    r"\oe": "œ",
    r"\OE": "Œ",
    r"\i": "\u0131",  # dotless i
}
_LATEX_LETTER = re.compile(r"\{?(\\(?:ss|ae|AE|aa|AA|oe|OE|[oOlLi]))(?![A-Za-z])\}?\s?")


def decode_latex_name(name: str) -> str:
    """Turn the LaTeX accents arXiv uses in author names into Unicode (``Bal\\'azs`` -> Balázs).

    Only for author names: titles and abstracts keep their LaTeX as text.
    """
    if "\\" not in name:
        return name

    def accent(match: re.Match[str]) -> str:
        letter = match["braced"] or match["bare"]
        if letter in (r"\i", r"\j"):
            letter = letter[1]
        if letter.startswith("\\"):
            return match[0]
        return unicodedata.normalize("NFC", letter + _LATEX_ACCENTS[match["acc"]])

    name = _LATEX_ACCENT.sub(accent, name)
    name = _LATEX_LETTER.sub(lambda m: _LATEX_LETTERS[m[1]], name)
    return name


_AND = re.compile(r"(?:^|\s+)and\s+")


def split_authors(value: str) -> list[str]:
    """Split an arXiv authors string (``"A. One, B. Two and C. Three (MIT)"``) into names.

    Commas inside parentheses (affiliations) do not split, parenthesised affiliations are
    dropped from the names, and LaTeX accents become Unicode.
    """
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(value):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in ",;":
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    names = []
    for part in parts:
        for piece in _AND.split(_strip_parenthesised(part).strip()):
            name = clean(decode_latex_name(piece))
            if name:
                names.append(name)
    return names


def _strip_parenthesised(value: str) -> str:
    out: list[str] = []
    depth = 0
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def name_list(values: object, field: str = "authors") -> list[str]:
    """A JSON list of author name strings, cleaned; :class:`BadRecord` for other shapes."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise BadRecord(f"{field} is not a list")
    names = []
    for value in values:
        if not isinstance(value, str):
            raise BadRecord(f"{field} holds a non-text entry")
        name = clean(value)
        if name:
            names.append(name)
    return names
