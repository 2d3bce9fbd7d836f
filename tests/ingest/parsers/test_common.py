from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paperfeed.ingest.parsers._common import XmlError, local, parse_xml
from paperfeed.ingest.parsers.authors import decode_latex_name, split_authors
from paperfeed.ingest.parsers.categories import category_list, wanted
from paperfeed.ingest.parsers.dates import iso_datetime, rfc2822_date
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


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Ileana Streinu and Louis Theran", ["Ileana Streinu", "Louis Theran"]),
        ("A. One, B. Two, and C. Three", ["A. One", "B. Two", "C. Three"]),
        (
            "J. Doe (1), R. Roe (2) ((1) Univ A, (2) Univ B and C)",
            ["J. Doe", "R. Roe"],
        ),
        ("C. Bal\\'azs, E. L. Berger", ["C. Balázs", "E. L. Berger"]),
        ("Alexander Anderson and Sandra Band", ["Alexander Anderson", "Sandra Band"]),
        ("The ATLAS Collaboration", ["The ATLAS Collaboration"]),
        ("", []),
    ],
)
def test_split_authors(raw: str, names: list[str]) -> None:
    assert split_authors(raw) == names


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ('M. Kr\\"{o}ger', "M. Kröger"),
        ("J. Ber\\v{c}i\\v c", "J. Berčič"),
        ("P. Erd\\H{o}s", "P. Erdős"),
        ("\\c{C}elik", "Çelik"),
        ("J. Stra\\ss e", "J. Straße"),
        ("\\o ystein", "øystein"),
        ("\\'{\\i}", "í"),
        ("No accents", "No accents"),
        ("$\\alpha$-Team", "$\\alpha$-Team"),
    ],
)
def test_decode_latex_name(raw: str, decoded: str) -> None:
    assert decode_latex_name(raw) == decoded


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


def test_dates() -> None:
    assert rfc2822_date("Mon, 2 Apr 2007 19:18:42 GMT", "d") == datetime(
        2007, 4, 2, 19, 18, 42, tzinfo=UTC
    )
    # "-0000" (unknown zone) still comes back timezone-aware.
    assert rfc2822_date("Mon, 2 Apr 2007 19:18:42 -0000", "d").tzinfo is not None
    assert iso_datetime("2007-10-08T00:00:00-04:00", "d") == datetime(2007, 10, 8, 4, tzinfo=UTC)
    assert iso_datetime("2024-10-22T17:59:30.000Z", "d") == datetime(
        2024, 10, 22, 17, 59, 30, tzinfo=UTC
    )
    assert iso_datetime("2007-03-30", "d") == datetime(2007, 3, 30, tzinfo=UTC)
    assert iso_datetime(None, "d") is None
    for bad in ("yesterday", "2024-13-01", 5):
        with pytest.raises(BadRecord):
            iso_datetime(bad, "d")
    with pytest.raises(BadRecord):
        rfc2822_date("not a date", "d")


def test_integer() -> None:
    assert integer("12", "n") == 12
    assert integer(3.0, "n") == 3
    assert integer(None, "n") is None
    for bad in (True, -1, "1.2k", 1.5, 10**12, "١٢"):
        with pytest.raises(BadRecord):
            integer(bad, "n")


def test_parse_xml_undeclared_prefix() -> None:
    root = parse_xml(b'<a xsi:schemaLocation="x"><b>t</b><c:d/></a>')
    assert [local(child.tag) for child in root] == ["b", "d"]


def test_parse_xml_refuses_dtd() -> None:
    with pytest.raises(XmlError):
        parse_xml(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
    with pytest.raises(XmlError):
        parse_xml(b'<!DOCTYPE a SYSTEM "http://example.org/a.dtd"><a/>')
