from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.ingest.parsers.text import BadRecord, clean, integer, strip_surrogates


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


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("x\x01y and z", "xy and z"),  # printable once the control is gone: stripped only
        ("x\x01y  and\tz ", "xy and z"),  # not printable, double spaces: collapsed
        ("\x0bvertical\x0btab", "verticaltab"),  # removed, not a space: split() never sees it
        (" lead and trail ", "lead and trail"),
        ("wrapped\nonce", "wrapped once"),
        ("wrapped\n and  spaced", "wrapped and spaced"),
    ],
)
def test_clean_takes_each_path_to_the_same_rule(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@given(st.text(alphabet=st.sampled_from("ab \n\t\r\x00\x0b\x1c\x85\xa0\u2028\x9f\ud800é\u0301")))
def test_clean_is_the_rule_its_fast_paths_shortcut(raw: str) -> None:
    # The whole rule in one line: NFC, surrogates replaced, controls dropped, whitespace runs
    # collapsed. Each fast path (a printable text, a hard-wrapped one) must give the same.
    rule = " ".join(
        _CONTROL.sub("", _SURROGATE.sub("\ufffd", unicodedata.normalize("NFC", raw))).split()
    )
    assert clean(raw) == rule


def test_strip_surrogates_leaves_ascii_and_replaces_lone_surrogates() -> None:
    assert strip_surrogates("2503.00001") == "2503.00001"
    assert strip_surrogates("2503\ud83d.00001") == "2503\ufffd.00001"
