from __future__ import annotations

import pytest

from paperfeed.ingest.parsers.authors import decode_latex_name, split_authors


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
