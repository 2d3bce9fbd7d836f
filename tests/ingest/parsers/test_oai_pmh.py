from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.ingest.parsers.oai_pmh import OaiError, OaiPage, parse_oai
from paperfeed.papers.records import PaperRecord, Rejected

from .conftest import FIXTURES, PROPERTY, assert_only_results, shared_path

OAI = FIXTURES / "oai_pmh"


def read(name: str) -> bytes:
    return (OAI / name).read_bytes()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def raw_page(meta: str, header: str = "") -> bytes:
    return (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record>'
        f"<header{header}><identifier>oai:arXiv.org:2401.00001</identifier></header>"
        f'<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">{meta}</arXivRaw>'
        "</metadata></record></ListRecords></OAI-PMH>"
    ).encode()


GOOD_META = (
    "<id>2401.00001</id><version version='v1'><date>Mon, 1 Jan 2024 10:00:00 GMT</date>"
    "</version><title>{title}</title><authors>A. B</authors><categories>cs.AI</categories>"
)


class TestArxivRaw:
    def test_page(self) -> None:
        page = parse_oai(read("arxivraw_listrecords.xml"), location="p1.xml")
        assert isinstance(page, OaiPage)
        assert page.resumption_token == "7654321|1001"
        assert page.complete_list_size == 5123
        assert page.cursor == 0
        assert len(page.records) == 4

    def test_version_history(self) -> None:
        record = parse_oai(read("arxivraw_listrecords.xml")).records[0]
        assert isinstance(record, PaperRecord)
        assert record.source == "oai_arxivraw"
        assert record.arxiv_id == "2312.04567"
        # Out-of-order <version> elements are sorted.
        assert record.versions == [
            (1, utc(2023, 12, 7, 18, 59, 59)),
            (2, utc(2024, 1, 15, 12, 0, 1)),
            (3, utc(2025, 6, 1, 9, 15)),
        ]
        assert record.version == 3
        assert record.published == utc(2023, 12, 7, 18, 59, 59)
        assert record.updated == utc(2025, 6, 1, 9, 15)

    def test_fields(self) -> None:
        record = parse_oai(read("arxivraw_listrecords.xml")).records[0]
        assert isinstance(record, PaperRecord)
        assert record.title == "Retrieval-Augmented Parsing of Noisy Bibliographies"
        # Affiliations dropped, LaTeX accents decoded, "and" splits.
        assert record.authors == ["Jane Q. Public", "Kurt Gödel", "Erdős Pál"]
        assert record.categories == ["cs.CL", "cs.DL", "cs.IR"]
        assert record.comments == "ACL 2025 camera-ready; 9 pages"
        assert record.journal_ref == "Proc. ACL 2025, 100-109"
        assert record.doi == "10.18653/v1/fixture.0001"
        assert record.license == "http://creativecommons.org/licenses/by/4.0/"
        assert record.abstract == (
            r"We parse bibliographies with $\mathcal{O}(n)$ lookups. "
            "Our <em>system</em> beats baselines."
        )

    def test_deleted_and_bad_records(self) -> None:
        records = parse_oai(read("arxivraw_listrecords.xml"), location="p1.xml").records
        deleted, bad_date, old_style = records[1], records[2], records[3]
        assert deleted == Rejected("deleted upstream", "2401.00007", "p1.xml:record 2")
        assert isinstance(bad_date, Rejected)
        assert bad_date.arxiv_id == "2402.00011"
        assert "date of v1" in bad_date.reason
        assert isinstance(old_style, PaperRecord)
        assert old_style.arxiv_id == "hep-th/9901001"
        assert old_style.authors == ["O. Timer", "N. Ewcomer"]

    def test_last_page_has_no_token(self) -> None:
        page = parse_oai(read("arxivraw_last_page.xml"))
        assert page.resumption_token is None  # empty element = list complete
        assert page.complete_list_size == 5001
        assert page.cursor == 5000
        assert [r.arxiv_id for r in page.records] == ["2506.00123"]


def test_arxiv_format_without_namespace_declarations() -> None:
    page = parse_oai(read("arxiv_format_no_xmlns.xml"))
    assert page.resumption_token is None
    [record] = page.records
    assert isinstance(record, PaperRecord)
    assert record.source == "oai_arxiv"
    assert record.arxiv_id == "2305.11111"
    assert record.authors == ["John Q. Smith Jr", "Example Collaboration", "Jane Doe"]
    assert record.categories == ["math.CO", "cs.DM"]
    assert record.title == "Counting Graphs with Few Edges"
    assert record.published == utc(2023, 5, 18)
    assert record.updated == utc(2024, 2, 9)
    assert record.doi == "10.5555/fixture.comb"
    assert record.journal_ref == "J. Fixture Comb. 1 (2024) 1-15"
    assert record.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert record.comments == "15 pages"


def test_error_raises() -> None:
    with pytest.raises(OaiError) as info:
        parse_oai(read("bad_resumption_token.xml"))
    assert info.value.code == "badResumptionToken"
    assert "invalid or expired" in info.value.message


def test_no_records_match_is_an_empty_page() -> None:
    page = parse_oai(read("no_records_match.xml"))
    assert page.records == []
    assert page.resumption_token is None


@pytest.mark.parametrize("data", [b"", b"garbage", b"<OAI-PMH>", b"<html/>"])
def test_not_oai(data: bytes) -> None:
    with pytest.raises(OaiError):
        parse_oai(data)


def test_entities_refused() -> None:
    bomb = (FIXTURES / "arxiv_api" / "billion_laughs.xml").read_bytes()
    with pytest.raises(OaiError):
        parse_oai(bomb)


def test_megabyte_title_rejected() -> None:
    [rejected] = parse_oai(raw_page(GOOD_META.format(title="y" * 1_000_000))).records
    assert isinstance(rejected, Rejected)
    assert rejected.arxiv_id == "2401.00001"
    assert "title longer than" in rejected.reason


def test_script_in_title_kept() -> None:
    title = escape("<script>alert('x')</script>")
    [record] = parse_oai(raw_page(GOOD_META.format(title=title))).records
    assert isinstance(record, PaperRecord)
    assert record.title == "<script>alert('x')</script>"


def test_invalid_id_and_unknown_format() -> None:
    page = parse_oai(raw_page("<id>12345</id>"))
    [rejected] = page.records
    assert isinstance(rejected, Rejected)
    assert rejected.arxiv_id == "2401.00001"  # from the header
    assert "invalid arXiv id" in rejected.reason
    other = parse_oai(
        b"<OAI-PMH><GetRecord><record><header><identifier>oai:arXiv.org:2401.00002"
        b"</identifier></header><metadata><oai_dc/></metadata></record></GetRecord></OAI-PMH>"
    )
    [rejected] = other.records
    assert isinstance(rejected, Rejected) and "unsupported metadata format" in rejected.reason


class TestSharedSamples:
    def test_get_record(self) -> None:
        data = shared_path("samples", "arxiv_oai_arXivRaw_GetRecord_0804.2273.xml").read_bytes()
        [record] = parse_oai(data).records
        assert isinstance(record, PaperRecord)
        assert record.arxiv_id == "0804.2273"
        assert record.versions == [(1, utc(2008, 4, 14, 21, 2))]
        assert record.authors is not None and len(record.authors) == 6
        assert record.authors[1] == "Herbert Van de Sompel"
        assert record.title == "Object Re-Use & Exchange: A Resource-Centric Approach"

    def test_list_records(self) -> None:
        data = shared_path("samples", "arxiv_oai_arXivRaw_ListRecords_excerpt.xml").read_bytes()
        page = parse_oai(data)
        assert page.resumption_token == "1403493|1001"
        assert page.complete_list_size == 1440
        assert [r.arxiv_id for r in page.records] == ["0803.4354", "0808.3386", "0910.4952"]
        first = page.records[0]
        assert isinstance(first, PaperRecord)
        assert first.version == 6
        assert first.published == utc(2008, 3, 30, 23, 26, 50)
        assert first.updated == utc(2016, 10, 20, 16, 58, 38)

    def test_arxiv_format(self) -> None:
        data = shared_path("samples", "arxiv_oai_arXiv_format_GetRecord_0704.0002.xml")
        [record] = parse_oai(data.read_bytes()).records
        assert isinstance(record, PaperRecord)
        assert record.authors == ["Ileana Streinu", "Louis Theran"]
        assert record.categories == ["math.CO", "cs.CG"]
        assert record.published == utc(2007, 3, 30)


# --------------------------------------------------------------------------- properties


def _check(data: bytes) -> None:
    try:
        page = parse_oai(data)
    except OaiError:
        return
    assert_only_results(page.records)
    assert page.resumption_token is None or isinstance(page.resumption_token, str)


@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


_value = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["v1", "v0", "2401.00001", "Mon, 1 Jan 2024 10:00:00 GMT", "deleted"]),
)


@PROPERTY
@given(
    paper_id=_value,
    version=_value,
    date=_value,
    categories=_value,
    status=_value,
    fmt=st.sampled_from(["arXivRaw", "arXiv", "other"]),
)
def test_arbitrary_records(
    paper_id: str, version: str, date: str, categories: str, status: str, fmt: str
) -> None:
    q = {'"': "&quot;"}
    data = (
        "<OAI-PMH><ListRecords><record>"
        f'<header status="{escape(status, q)}"><identifier>{escape(paper_id)}</identifier></header>'
        f"<metadata><{fmt}><id>{escape(paper_id)}</id>"
        f'<version version="{escape(version, q)}"><date>{escape(date)}</date></version>'
        f"<created>{escape(date)}</created><categories>{escape(categories)}</categories>"
        f"<authors><author><keyname>{escape(categories)}</keyname></author></authors>"
        f"</{fmt}></metadata></record>"
        f'<resumptionToken cursor="{escape(version, q)}">{escape(status)}</resumptionToken>'
        "</ListRecords></OAI-PMH>"
    ).encode()
    _check(data)
