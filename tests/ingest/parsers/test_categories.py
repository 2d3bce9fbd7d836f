from __future__ import annotations

import pytest

from paperfeed.ingest.parsers.categories import category_list, wanted
from paperfeed.ingest.parsers.text import BadRecord


def test_category_list_keeps_arxiv_codes_only() -> None:
    assert category_list(["cs.CV", "cs.AI", "68T45", "I.2.6; I.4", "cs.CV", "na"]) == [
        "cs.CV",
        "cs.AI",
    ]
    assert category_list("hep-ph math.CO physics.acc-ph cond-mat.str-el") == [
        "hep-ph",
        "math.CO",
        "physics.acc-ph",
        "cond-mat.str-el",
    ]
    with pytest.raises(BadRecord):
        category_list(42)


def test_wanted() -> None:
    assert wanted(["math.CO", "cs.CG"], {"cs"})
    assert wanted(["cs.CG"], {"cs.CG"})
    assert not wanted(["cs.CG"], {"cs.AI"})
    assert not wanted(["math-ph"], {"math"})
    assert not wanted(None, {"cs"})
    assert wanted(None, None)
