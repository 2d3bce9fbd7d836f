"""The text a paper is compared by, and whether it has enough of it. Pure: no Django imports."""

from __future__ import annotations

import re

# TeX math ($...$, $$...$$, \(...\), \[...\]) carries symbols, not topic words: an abstract that
# is only formulas must not look similar to every other formula-only abstract.
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
_COMMAND = re.compile(r"\\[A-Za-z]+")
_LETTERS = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# Control and invisible format characters (NUL, bidi overrides, zero-width marks).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")

# A paper needs this many words of at least two letters (title and abstract together) before
# its neighbours mean anything.
MIN_WORDS = 3
# Past this many characters more text changes the topic vector little and costs time.
MAX_CHARS = 5000


def strip_markup(text: str) -> str:
    """``text`` without TeX math and commands or control characters, spaces collapsed."""
    text = _MATH.sub(" ", text)
    text = _COMMAND.sub(" ", text)
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())


def document(title: str, abstract: str, *, repeat_title: bool = True) -> str:
    """Title and abstract as one text.

    For tf-idf the title goes in twice, since it names the topic most densely; a sentence
    encoder reads it once, as a person would.
    """
    title = strip_markup(title or "")
    abstract = strip_markup(abstract or "")
    head = f"{title}. {title}" if repeat_title else title
    return f"{head}. {abstract}"[:MAX_CHARS].strip(" .")


def is_usable(text: str) -> bool:
    """True when ``text`` has enough words to place the paper among others."""
    return any(found >= MIN_WORDS for found, _ in enumerate(_LETTERS.finditer(text), start=1))
