from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.ingest.parsers.arxiv_api import ApiPage, ArxivApiError, parse_feed
from paperfeed.papers.records import PaperRecord, Rejected

from .conftest import FIXTURES, PROPERTY, assert_only_results, shared_path

API = FIXTURES / "arxiv_api"


def read(name: str) -> bytes:
    return (API / name).read_bytes()


def feed(entries: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
        "<opensearch:totalResults>1</opensearch:totalResults>"
        "<opensearch:startIndex>0</opensearch:startIndex>"
        "<opensearch:itemsPerPage>1</opensearch:itemsPerPage>"
        f"{entries}</feed>"
    ).encode()


def entry(title: str = "T", entry_id: str = "http://arxiv.org/abs/2401.00001v1") -> str:
    return (
        f"<entry><id>{entry_id}</id><title>{title}</title>"
        "<published>2024-01-01T00:00:00Z</published><updated>2024-01-01T00:00:00Z</updated>"
        "<summary>S</summary><author><name>A</name></author></entry>"
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TestFixture2025:
    def test_page_counts(self) -> None:
        page = parse_feed(read("query_2025.xml"), location="q.xml")
        assert isinstance(page, ApiPage)
        assert (page.total_results, page.start_index, page.items_per_page) == (1234, 20, 4)
        assert len(page.records) == 4

    def test_full_record(self) -> None:
        record = parse_feed(read("query_2025.xml")).records[0]
        assert isinstance(record, PaperRecord)
        assert record.source == "arxiv_api"
        assert record.arxiv_id == "2403.01234"
        assert record.version == 2
        assert record.title == "Sparse Mixtures of Tiny Experts for Low-Resource Translation"
        # Hard wraps collapsed, LaTeX and (escaped) markup kept as text.
        assert record.abstract == (
            r"We study mixtures of $k \ll n$ experts whose width is $O(\sqrt{d})$ and show "
            "that <b>routing</b> matters more than size."
        )
        assert record.authors == ["Ana María Núñez", "Bo Li"]
        # Primary category first, MSC class dropped.
        assert record.categories == ["cs.LG", "cs.CL"]
        assert record.comments == "12 pages, 3 figures; v2: typos fixed"
        assert record.journal_ref == "Proc. FixtureConf 2024, pp. 1-12"
        assert record.doi == "10.1234/fixture.2024.001"
        assert record.published == utc(2024, 3, 2, 17, 45, 1)
        assert record.updated == utc(2024, 5, 2, 0, 11, 9)
        # v1's date is `published`; only the current version's date is otherwise known.
        assert record.versions == [(1, record.published), (2, record.updated)]

    def test_markup_is_kept_as_text(self) -> None:
        record = parse_feed(read("query_2025.xml")).records[1]
        assert isinstance(record, PaperRecord)
        assert record.arxiv_id == "2501.00042"  # https id
        assert record.title == '<script>alert("x")</script> A Title With Markup'
        assert record.versions == [(1, utc(2025, 1, 1, 9))]

    def test_bad_entries_are_rejected_individually(self) -> None:
        records = parse_feed(read("query_2025.xml"), location="q.xml").records
        bad_id, bad_date = records[2], records[3]
        assert isinstance(bad_id, Rejected)
        assert "not-an-id" in bad_id.reason
        assert bad_id.location == "q.xml:entry 23"
        assert isinstance(bad_date, Rejected)
        assert bad_date.arxiv_id == "2502.00077"
        assert "updated" in bad_date.reason


def test_2007_format() -> None:
    page = parse_feed(read("query_2007.xml"))
    assert (page.total_results, page.start_index, page.items_per_page) == (57, 0, 1)
    [record] = page.records
    assert isinstance(record, PaperRecord)
    assert record.arxiv_id == "cond-mat/0612345"
    assert record.version == 1  # from the alternate link, the id itself has none
    assert record.title == "Edge States in Graphene Nanoribbons"
    assert record.authors == ["K. Example", "L. Sample"]
    assert record.categories == ["cond-mat.mes-hall", "cond-mat.mtrl-sci"]
    assert record.doi == "10.1000/fixture.graphene"  # from the doi link
    assert record.published == utc(2006, 12, 14, 15, 20, 30)
    assert record.published.tzinfo is UTC
    assert record.versions == [(1, record.published)]


def test_error_entry_raises() -> None:
    with pytest.raises(ArxivApiError, match="max_results must be less than 2000"):
        parse_feed(read("error.xml"))


def test_empty_result() -> None:
    page = parse_feed(read("empty.xml"))
    assert page.records == []
    assert page.total_results == 0


@pytest.mark.parametrize(
    "data",
    [b"", b"not xml", b"<feed", b"<html><body>502 Bad Gateway</body></html>", b"\xff\xfe<"],
)
def test_unparseable_raises(data: bytes) -> None:
    with pytest.raises(ArxivApiError):
        parse_feed(data)


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entities_are_refused(name: str) -> None:
    with pytest.raises(ArxivApiError, match=r"forbidden|not usable"):
        parse_feed(read(name))


def test_megabyte_title_is_rejected() -> None:
    page = parse_feed(feed(entry(title="x" * 1_000_000)))
    [rejected] = page.records
    assert isinstance(rejected, Rejected)
    assert rejected.arxiv_id == "2401.00001"
    assert "title longer than" in rejected.reason


def test_missing_id_is_rejected() -> None:
    [rejected] = parse_feed(feed(entry(entry_id=""))).records
    assert isinstance(rejected, Rejected)
    assert "missing arXiv id" in rejected.reason


def test_deep_nesting_does_not_crash() -> None:
    data = feed("<entry>" + "<x>" * 50_000 + "</x>" * 50_000 + "</entry>")
    assert_only_results(parse_feed(data).records)


class TestSharedSamples:
    def load(self, name: str) -> bytes:
        data = shared_path("samples", name).read_bytes()
        if name.endswith(".txt"):
            # Rust doc-comment wrapping: '# ' prefixes, r#" ... "#;
            text = "\n".join(
                line[2:] if line.startswith("# ") else line for line in data.decode().splitlines()
            )
            text = text[text.index("<?xml") : text.rindex("</feed>") + len("</feed>")]
            data = text.encode()
        return data

    def test_2025_query(self) -> None:
        page = parse_feed(self.load("arxiv_api_2025_rsxiv_query.xml"))
        assert page.total_results == 7432
        assert len(page.records) == 10
        assert all(isinstance(r, PaperRecord) for r in page.records)
        first, second = page.records[0], page.records[1]
        assert isinstance(first, PaperRecord) and isinstance(second, PaperRecord)
        assert (first.arxiv_id, first.version) == ("nucl-ex/0408020", 1)
        assert first.categories == ["nucl-ex", "hep-ph"]
        assert first.published == utc(2004, 8, 18, 23, 13, 32)
        assert first.versions == [(1, first.published)]
        assert second.doi == "10.5170/CERN-2013-002.237"
        assert second.authors == ["A. Pertica", "S. J. Payne"]

    def test_2025_doc(self) -> None:
        [record] = parse_feed(self.load("arxiv_api_2025_rsxiv_query_doc.txt")).records
        assert isinstance(record, PaperRecord)
        assert (record.arxiv_id, record.version) == ("2206.06921", 3)
        assert record.categories == ["math.CA", "math.DS", "math.MG"]
        assert record.journal_ref == "Indiana Univ. Math. J. 73 (2024), 1331-1356"
        assert record.abstract is not None and "$\\operatorname{dim}_A^θF" in record.abstract
        assert "0<λ<θ<1" in record.abstract

    def test_2025_doc_long(self) -> None:
        page = parse_feed(self.load("arxiv_api_2025_rsxiv_query_doc_long.txt"))
        assert page.total_results == 100
        assert len(page.records) == 10
        first = page.records[0]
        assert isinstance(first, PaperRecord)
        assert first.categories == ["stat.ML", "cs.LG", "math.CA"]

    def test_empty_and_missing(self) -> None:
        assert parse_feed(self.load("arxiv_api_2025_rsxiv_query_empty.xml")).records == []
        [record] = parse_feed(self.load("arxiv_api_2025_rsxiv_query_missing_id.xml")).records
        assert isinstance(record, PaperRecord) and record.arxiv_id == "2201.13452"

    def test_manual_samples(self) -> None:
        [record] = parse_feed(self.load("arxiv_api_atom_typical_response.xml")).records
        assert isinstance(record, PaperRecord)
        assert (record.arxiv_id, record.version) == ("hep-ex/0307015", 1)
        assert record.title == (
            "Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA"
        )
        with pytest.raises(ArxivApiError, match=r"incorrect id format for 1234\.12345"):
            parse_feed(self.load("arxiv_api_atom_error_response.xml"))


# --------------------------------------------------------------------------- properties


def _check(data: bytes) -> None:
    try:
        page = parse_feed(data)
    except ArxivApiError:
        return
    assert isinstance(page, ApiPage)
    assert_only_results(page.records)


@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


_field = st.one_of(st.text(max_size=40), st.sampled_from(["", "2401.00001v0", "Error", "v2"]))


@PROPERTY
@given(
    entry_id=st.one_of(
        _field, st.sampled_from(["http://arxiv.org/abs/2401.00001v2", "hep-th/9901001"])
    ),
    title=_field,
    published=st.one_of(_field, st.just("2024-01-01T00:00:00Z")),
    term=_field,
    raw=st.booleans(),
)
def test_arbitrary_entries(entry_id: str, title: str, published: str, term: str, raw: bool) -> None:
    def put(value: str) -> str:
        return value if raw else escape(value)

    body = (
        f"<entry><id>{put(entry_id)}</id><title>{put(title)}</title>"
        f"<published>{put(published)}</published><updated>{put(published)}</updated>"
        f'<category term="{escape(term, {chr(34): "&quot;"})}"/>'
        f'<link href="{escape(entry_id, {chr(34): "&quot;"})}"/></entry>'
    )
    _check(feed(body))
