from __future__ import annotations

import gzip
import lzma
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.ingest.parsers.detect import (
    FORMATS,
    UnknownFormat,
    detect_format,
    iter_file_records,
)
from paperfeed.papers.records import PaperRecord, Rejected

from .conftest import FIXTURES, PROPERTY, assert_only_results, only_records, shared_path

CASES = [
    ("snapshot/good.jsonl", "snapshot"),
    ("snapshot/bad.jsonl", "snapshot"),
    ("listings/2025-03-18.jsonl", "listing"),
    ("listings", "listing"),
    ("hf/daily_papers_2024.json", "hf_daily"),
    ("hf/daily_papers_2026.json", "hf_daily"),
    ("hf/2025-12-04.json", "hf_scrape"),
    ("arxiv_api/query_2025.xml", "arxiv_api"),
    ("arxiv_api/query_2007.xml", "arxiv_api"),
    ("arxiv_api/error.xml", "arxiv_api"),
    ("oai_pmh/arxivraw_listrecords.xml", "oai_pmh"),
    ("oai_pmh/arxiv_format_no_xmlns.xml", "oai_pmh"),
    ("oai_pmh", "oai_pmh"),
]


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_detect_fixtures(name: str, fmt: str) -> None:
    assert detect_format(FIXTURES / name) == fmt


# A listing's day comes from its file name, so a renamed upload cannot be a listing.
@pytest.mark.parametrize(("name", "fmt"), [c for c in CASES if "." in c[0] and c[1] != "listing"])
@pytest.mark.parametrize("kind", ["gz", "xz", "zip"])
def test_detect_compressed(tmp_path: Path, name: str, fmt: str, kind: str) -> None:
    source = FIXTURES / name
    data = source.read_bytes()
    # The name does not give the format away.
    target = tmp_path / f"upload.{kind}"
    if kind == "gz":
        target.write_bytes(gzip.compress(data))
    elif kind == "xz":
        target.write_bytes(lzma.compress(data))
    else:
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr(source.name, data)
    assert detect_format(target) == fmt
    assert_only_results(iter_file_records(target))


def test_detect_tar_archives(tmp_path: Path) -> None:
    listings = tmp_path / "l.tar.xz"
    with tarfile.open(listings, "w:xz") as tar:
        tar.add(FIXTURES / "listings" / "2025-03-18.jsonl", arcname="2025-03-18.jsonl")
    assert detect_format(listings) == "listing"
    scrapes = tmp_path / "s.tar.gz"
    with tarfile.open(scrapes, "w:gz") as tar:
        tar.add(FIXTURES / "hf" / "2025-12-04.json", arcname="2025-12-04.json")
    assert detect_format(scrapes) == "hf_scrape"
    other = tmp_path / "o.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(FIXTURES / "oai_pmh" / "arxivraw_last_page.xml", arcname="p.xml")
    with pytest.raises(UnknownFormat, match="archives are supported"):
        detect_format(other)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a recognised format"),
        (b"arxiv_id,first_seen\n2401.00001,2024-01-01\n", "not a recognised format"),
        (b"<schema/>", "not a recognised format"),
        (b'{"hello": "world"}\n', "not a recognised format"),
        # mtime=0: the same bytes, so the same test id, in every process (pytest-xdist
        # refuses workers whose collections differ).
        (gzip.compress(b"x" * 10000, mtime=0)[:20], "cannot be read"),
    ],
)
def test_unknown(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "mystery.bin"
    path.write_bytes(content)
    with pytest.raises(UnknownFormat, match=message):
        detect_format(path)


def test_missing_path_and_bad_format_name(tmp_path: Path) -> None:
    with pytest.raises(UnknownFormat, match="no such file"):
        detect_format(tmp_path / "nope.jsonl")
    with pytest.raises(UnknownFormat, match="unknown format"):
        list(iter_file_records(FIXTURES / "snapshot" / "good.jsonl", "csv"))


def test_iter_file_records_dispatch() -> None:
    snapshot = only_records(iter_file_records(FIXTURES / "snapshot" / "good.jsonl"))
    assert {r.source for r in snapshot} == {"snapshot"}
    listing = only_records(iter_file_records(FIXTURES / "listings"))
    assert {r.source for r in listing} == {"listing"}
    oai = assert_only_results(iter_file_records(FIXTURES / "oai_pmh"))
    sources = {r.source for r in oai if isinstance(r, PaperRecord)}
    assert sources == {"oai_arxiv", "oai_arxivraw"}
    # The badResumptionToken page becomes one Rejected instead of an exception.
    assert any(isinstance(r, Rejected) and "badResumptionToken" in r.reason for r in oai)
    api = assert_only_results(iter_file_records(FIXTURES / "arxiv_api" / "error.xml"))
    assert len(api) == 1 and isinstance(api[0], Rejected)
    assert "max_results" in api[0].reason
    hf = only_records(iter_file_records(FIXTURES / "hf" / "daily_papers_2026.json"))
    assert {r.source for r in hf} == {"hf_daily"}
    scrape = only_records(iter_file_records(FIXTURES / "hf" / "2025-12-04.json"))
    assert {r.source for r in scrape} == {"hf_scrape"}


def test_iter_file_records_filter_and_limit() -> None:
    cs = only_records(iter_file_records(FIXTURES / "oai_pmh", categories={"cs.AI"}))
    assert [r.arxiv_id for r in cs] == ["2506.00123"]
    assert len(only_records(iter_file_records(FIXTURES / "snapshot", limit=5))) == 5
    assert list(iter_file_records(FIXTURES / "snapshot", limit=0)) == []


def test_shared_data() -> None:
    sample = shared_path(
        "data", "kaggle_snapshot_sample", "arxiv-metadata-oai-snapshot.sample.jsonl"
    )
    assert detect_format(sample) == "snapshot"
    assert len(only_records(iter_file_records(sample, limit=50))) == 50
    listings = shared_path("data", "arxiv_daily_cs", "daily_jsonl_2025-03-18_to_2026-07-01.tar.xz")
    assert detect_format(listings) == "listing"
    first = only_records(iter_file_records(listings, limit=3))
    assert len(first) == 3 and all(r.source == "listing" for r in first)
    scrapes = shared_path(
        "data", "hf_daily_papers", "atharvadomale_hf_daily_2025-12-04_to_2026-08-22.tar.xz"
    )
    assert detect_format(scrapes) == "hf_scrape"
    samples = shared_path("samples")
    assert detect_format(samples / "hf_daily_papers_item_2026-03_doc-example.json") == "hf_daily"
    assert detect_format(samples / "arxiv_oai_arXiv_format_GetRecord_0704.0002.xml") == "oai_pmh"
    assert detect_format(samples / "arxiv_api_atom_error_response.xml") == "arxiv_api"


@PROPERTY
@given(
    data=st.one_of(
        st.binary(max_size=500),
        st.binary(max_size=300).map(gzip.compress),
        st.binary(max_size=300).map(lambda b: lzma.compress(b)[:-3]),
        st.sampled_from([b"[", b"{", b"<", b'{"versions": 1', b'[{"paper_url":']).flatmap(
            lambda head: st.binary(max_size=200).map(lambda tail: head + tail)
        ),
    ),
    name=st.sampled_from(["x.jsonl", "2025-01-01.jsonl", "x.json", "x.xml", "x.tar.xz", "x"]),
    fmt=st.sampled_from([None, *FORMATS]),
)
def test_arbitrary_files(data: bytes, name: str, fmt: str | None) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / name
        path.write_bytes(data)
        try:
            detected = detect_format(path)
        except UnknownFormat:
            detected = None
        assert detected is None or detected in FORMATS
        if fmt is None and detected is None:
            return
        assert_only_results(iter_file_records(path, fmt))
    finally:
        shutil.rmtree(folder)
