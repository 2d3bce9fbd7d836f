from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.papers.ids import (
    ArxivId,
    InvalidArxivId,
    abs_url,
    arxiv_id_in_query,
    id_month,
    normalize_arxiv_id,
    parse_arxiv_id,
    pdf_url,
)


@pytest.mark.parametrize(
    ("raw", "key", "version"),
    [
        ("2401.01234", "2401.01234", None),
        ("2401.01234v2", "2401.01234", 2),
        ("arXiv:2401.01234v2", "2401.01234", 2),
        ("ARXIV:2401.01234", "2401.01234", None),
        ("arXiv: 2401.01234", "2401.01234", None),
        ("  2401.01234\n", "2401.01234", None),
        ("https://arxiv.org/abs/2401.01234v2", "2401.01234", 2),
        ("http://arxiv.org/abs/2401.01234", "2401.01234", None),
        ("https://export.arxiv.org/abs/2401.01234v1", "2401.01234", 1),
        ("https://www.arxiv.org/abs/2401.01234v1?context=cs", "2401.01234", 1),
        ("https://arxiv.org/pdf/2401.01234v3.pdf", "2401.01234", 3),
        ("https://arxiv.org/pdf/2401.01234", "2401.01234", None),
        ("https://arxiv.org/html/2401.01234v1/", "2401.01234", 1),
        ("arxiv.org/abs/2401.01234#section", "2401.01234", None),
        ("0704.0001", "0704.0001", None),
        ("1412.9999v12", "1412.9999", 12),
        ("1501.00001", "1501.00001", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9901001v3", "hep-th/9901001", 3),
        ("math.CO/0601001", "math/0601001", None),
        ("http://arxiv.org/abs/hep-ex/0307015v1", "hep-ex/0307015", 1),
        ("cond-mat/0703001", "cond-mat/0703001", None),
        ("alg-geom/9108001", "alg-geom/9108001", None),
    ],
)
def test_accepted_forms(raw: str, key: str, version: int | None) -> None:
    parsed = parse_arxiv_id(raw)
    assert parsed == ArxivId(key, version)
    assert normalize_arxiv_id(raw) == key
    assert str(parsed) == key


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("not-an-id", "not an arXiv id"),
        ("2401.1234", "wrong number length"),  # 2015+ needs five digits
        ("1412.12345", "wrong number length"),  # before 2015, four
        ("0703.1234", "bad year/month"),  # new style began in April 2007
        ("2413.01234", "bad year/month"),
        ("2400.01234", "bad year/month"),
        ("2401.00000", "sequence number 0"),
        ("2401.01234v0", "start at v1"),
        ("2401.01234v", "not an arXiv id"),
        ("hep-th/0704001", "bad year/month"),  # old style ended in March 2007
        ("hep-th/9107001", "bad year/month"),  # and began in August 1991
        ("hep-th/9913001", "bad year/month"),
        ("hep-th/9901000", "sequence number 0"),
        ("\u0662\u0664\u0660\u0661.\u0660\u0661\u0662\u0663\u0664", "not an arXiv id"),
        ("2401.01234 v2", "not an arXiv id"),
        ("https://huggingface.co/papers/2401.01234", "not an arXiv id"),
        ("x" * 301, "too long"),
    ],
)
def test_rejected_forms(raw: str, message: str) -> None:
    with pytest.raises(InvalidArxivId, match=message):
        parse_arxiv_id(raw)


def test_non_text() -> None:
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(2401.01234)  # type: ignore[arg-type]


def test_helpers() -> None:
    assert ArxivId("2401.01234", 2).versioned == "2401.01234v2"
    assert ArxivId("2401.01234", None).versioned == "2401.01234"
    assert id_month("2401.01234") == (2024, 1)
    assert id_month("0704.0001") == (2007, 4)
    assert id_month("hep-th/9901001") == (1999, 1)
    assert id_month("math/0601001") == (2006, 1)
    assert abs_url("2401.01234") == "https://arxiv.org/abs/2401.01234"
    assert pdf_url("hep-th/9901001") == "https://arxiv.org/pdf/hep-th/9901001"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_is_parsed_or_refused(value: str) -> None:
    try:
        parsed = parse_arxiv_id(value)
    except InvalidArxivId as exc:
        assert str(exc)
        return
    # Whatever is accepted is an ASCII key that parses to itself.
    assert parsed.id.isascii()
    assert parse_arxiv_id(parsed.id) == ArxivId(parsed.id, None)
    assert parse_arxiv_id(parsed.versioned) == parsed


@settings(max_examples=200, deadline=None)
@given(
    year=st.integers(7, 40),
    month=st.integers(1, 12),
    number=st.integers(1, 99999),
    version=st.one_of(st.none(), st.integers(1, 99)),
)
def test_new_style_round_trip(year: int, month: int, number: int, version: int | None) -> None:
    if (year, month) < (7, 4):
        return
    width = 5 if year >= 15 else 4
    if number >= 10**width:
        return
    key = f"{year:02d}{month:02d}.{number:0{width}d}"
    raw = key + (f"v{version}" if version else "")
    assert parse_arxiv_id(raw) == ArxivId(key, version)
    assert parse_arxiv_id(f"https://arxiv.org/abs/{raw}") == ArxivId(key, version)
    assert id_month(key) == (2000 + year, month)


# --- A search query that is one id -------------------------------------------------------------

# Every id and URL form the search box, /api/papers/search and HfApi.list_papers(query=...) find.
ID_QUERY_FORMS = [
    ("2603.04379", "2603.04379"),
    ("2603.04379v2", "2603.04379"),
    ("  2603.04379v12\n", "2603.04379"),
    ("0704.0001", "0704.0001"),
    ("1412.9999v3", "1412.9999"),
    ("hep-th/9901001", "hep-th/9901001"),
    ("hep-th/9901001v1", "hep-th/9901001"),
    ("math.CO/0601001", "math/0601001"),
    ("arXiv:2401.01234", "2401.01234"),
    ("ARXIV:2401.01234v2", "2401.01234"),
    ("arXiv: 2401.01234", "2401.01234"),
    ("arXiv:hep-th/9901001", "hep-th/9901001"),
    ("https://arxiv.org/abs/2603.04379", "2603.04379"),
    ("https://arxiv.org/abs/2603.04379v2", "2603.04379"),
    ("http://arxiv.org/abs/2603.04379", "2603.04379"),
    ("arxiv.org/abs/2603.04379", "2603.04379"),
    ("https://www.arxiv.org/abs/2603.04379v1", "2603.04379"),
    ("https://export.arxiv.org/abs/2603.04379", "2603.04379"),
    ("https://arxiv.org/abs/2603.04379/", "2603.04379"),
    ("https://arxiv.org/abs/2603.04379?context=cs", "2603.04379"),
    ("https://arxiv.org/abs/2603.04379#S2", "2603.04379"),
    ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
    ("https://arxiv.org/pdf/2603.04379", "2603.04379"),
    ("https://arxiv.org/pdf/2603.04379v2", "2603.04379"),
    ("https://arxiv.org/pdf/2603.04379.pdf", "2603.04379"),
    ("https://arxiv.org/pdf/2603.04379v2.pdf", "2603.04379"),
    ("http://export.arxiv.org/pdf/2603.04379v1.pdf", "2603.04379"),
    ("https://arxiv.org/pdf/hep-th/9901001v1.pdf", "hep-th/9901001"),
    ("https://www.alphaxiv.org/abs/2603.04379", "2603.04379"),
    ("https://alphaxiv.org/abs/2603.04379v2", "2603.04379"),
    ("alphaxiv.org/abs/2603.04379", "2603.04379"),
    ("https://huggingface.co/papers/2603.04379", "2603.04379"),
    ("https://huggingface.co/papers/2603.04379#community", "2603.04379"),
    ("huggingface.co/papers/2603.04379", "2603.04379"),
    ("10.48550/arXiv.2401.01234", "2401.01234"),
    ("10.48550/ARXIV.2401.01234", "2401.01234"),
    ("doi:10.48550/arXiv.2401.01234", "2401.01234"),
    ("https://doi.org/10.48550/arXiv.2401.01234", "2401.01234"),
    ("http://dx.doi.org/10.48550/arXiv.2401.01234", "2401.01234"),
]


@pytest.mark.parametrize(("query", "key"), ID_QUERY_FORMS)
def test_arxiv_id_in_query_finds_every_form(query: str, key: str) -> None:
    assert arxiv_id_in_query(query) == key


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "attention is all you need",
        "2603.04379 diffusion",  # words beside the id: a search, not a look-up
        "see 2603.04379",
        "2603.04379 2603.04380",
        "2401.99999999",  # too many digits
        "2401.999",  # too few
        "1234.5678",  # new-style ids start in April 2007
        "0703.0001",
        "2413.01234",  # month 13
        "1501.0001",  # four digits after 2015
        "1412.00001",  # five digits before 2015
        "2401.00000",  # sequence number 0
        "2401.01234v0",
        "hep-th/9013001",  # month 13
        "hep-th/0801001",  # old style ended in March 2007
        "hep-th/9901001x",
        "https://evil.example/abs/2401.01234",
        "https://arxiv.org.evil.example/abs/2401.01234",
        "https://arxiv.org/list/cs.CL/2401.01234",
        "https://huggingface.co/datasets/2401.01234",
        "10.1000/arXiv.2401.01234",  # not arXiv's DOI prefix
        "doi.org/10.48550/arXiv.",
        "arXiv:",
        "2401.01234\x00",
        "2401.01234?\x00",
        "\x1b[31m2401.01234",
        "2401.01234\u200b",  # zero-width space
        "\u0662\u0664\u0660\u0661.\u0660\u0661\u0662\u0663\u0664",  # Arabic-Indic digits
        "\uff12\uff14\uff10\uff11.\uff10\uff11\uff12\uff13\uff14",  # full-width digits
        "2401.01234" + "v1" * 200,
        "https://arxiv.org/abs/2401.01234?" + "a" * 600,
        "2401.01234 " * 10_000,
    ],
)
def test_arxiv_id_in_query_refuses_what_is_not_one_id(query: str) -> None:
    assert arxiv_id_in_query(query) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_arxiv_id_in_query_never_raises(value: str) -> None:
    found = arxiv_id_in_query(value)
    # Whatever it finds is a catalogue key that parses to itself.
    assert found is None or normalize_arxiv_id(found) == found


def test_arxiv_id_in_query_refuses_non_text() -> None:
    assert arxiv_id_in_query(None) is None  # type: ignore[arg-type]
