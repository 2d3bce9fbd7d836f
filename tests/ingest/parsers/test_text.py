from __future__ import annotations

import pytest

from paperfeed.ingest.parsers.text import BadRecord, clean, integer


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  a\n  hard-wrapped\tline \r\n", "a hard-wrapped line"),
        ("bell\x07 and del\x7f and c1\x9f", "bell and del and c1"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # NFC: the combining accent composes
        ("nbsp\xa0and\u3000ideographic\u2028space", "nbsp and ideographic space"),
        ("$\\alpha$  {x}", "$\\alpha$ {x}"),  # LaTeX is kept as text
        ("plain", "plain"),
    ],
)
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def test_clean_replaces_lone_surrogates() -> None:
    assert clean("a\ud800b") == "a\ufffdb"


def test_integer() -> None:
    assert integer("12", "n") == 12
    assert integer(3.0, "n") == 3
    assert integer(None, "n") is None
    for bad in (True, -1, "1.2k", 1.5, 10**12, "١٢"):
        with pytest.raises(BadRecord):
            integer(bad, "n")
