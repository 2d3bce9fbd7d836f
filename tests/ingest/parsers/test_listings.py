from __future__ import annotations

import io
import json
import tarfile
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.ingest.parsers.listings import (
    iter_listing_sources,
    listing_day,
    parse_listing,
    parse_listing_path,
)
from paperfeed.papers.records import PaperRecord, Rejected

from .conftest import (
    FIXTURES,
    PROPERTY,
    assert_only_results,
    only_records,
    only_rejected,
    shared_path,
)

LISTINGS = FIXTURES / "listings"
DAY1 = LISTINGS / "2025-03-18.jsonl"


def make_tar(tmp_path: Path, mode: str, suffix: str, names: list[str] | None = None) -> Path:
    path = tmp_path / f"listings{suffix}"
    with tarfile.open(path, mode) as archive:
        # Deliberately added out of order: the archive's own order is kept.
        for name in names or ["2025-03-19.jsonl", "2025-03-18.jsonl", "notes.jsonl"]:
            archive.add(LISTINGS / name, arcname=f"data/{name}")
    return path


def parse_bytes(data: bytes) -> list[PaperRecord | Rejected]:
    return assert_only_results(
        parse_listing(io.BytesIO(data), day=date(2025, 1, 2), location="2025-01-02.jsonl")
    )


def test_listing_day() -> None:
    assert listing_day("2025-03-18.jsonl") == date(2025, 3, 18)
    assert listing_day("some/dir/2026-07-01.jsonl") == date(2026, 7, 1)
    assert listing_day("notes.jsonl") is None
    assert listing_day("2025-13-45.jsonl") is None
    assert listing_day("2025-03-18_AI_enhanced_Chinese.jsonl") is None


def test_single_file_fields() -> None:
    items = assert_only_results(parse_listing_path(DAY1))
    assert only_rejected(items) == []
    first, second, third = only_records(items)
    assert first.source == "listing"
    assert first.arxiv_id == "2503.10001"
    assert first.version is None
    assert first.listed_on == date(2025, 3, 18)
    assert first.published is None  # the service decides
    assert first.title == "Seeing Through Fog with Diffusion"
    assert first.abstract == (
        r"We remove fog from images using a diffusion prior and $\lambda$-scheduling."
    )
    assert first.authors == ["Mei Chen", "Ravi Kumar"]
    assert first.categories == ["cs.CV", "cs.AI"]  # MSC class dropped, primary first
    assert first.comments == "CVPR 2025"
    assert second.title == "A <i>Tiny</i> LM"  # markup kept as text
    assert second.comments is None
    assert (third.arxiv_id, third.version) == ("2502.09999", 2)


def test_folder_sorted_with_undated_file_rejected() -> None:
    items = assert_only_results(parse_listing_path(LISTINGS))
    records = only_records(items)
    assert [(r.arxiv_id, r.listed_on) for r in records] == [
        ("2503.10001", date(2025, 3, 18)),
        ("2503.10002", date(2025, 3, 18)),
        ("2502.09999", date(2025, 3, 18)),
        ("2503.10001", date(2025, 3, 19)),
        ("2503.10004", date(2025, 3, 19)),
    ]
    rejected = only_rejected(items)
    assert [r.location for r in rejected] == [
        "2025-03-19.jsonl:2",
        "2025-03-19.jsonl:4",
        "notes.jsonl",
    ]
    assert "25O3.10003" in rejected[0].reason
    assert "truncated" in rejected[1].reason
    assert "no listing date" in rejected[2].reason


def test_compressed_listing_file(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "2025-03-18.jsonl.gz"
    path.write_bytes(gzip.compress(DAY1.read_bytes()))
    assert listing_day(path.name) == date(2025, 3, 18)
    records = only_records(parse_listing_path(path))
    assert [r.arxiv_id for r in records] == ["2503.10001", "2503.10002", "2502.09999"]
    assert {r.listed_on for r in records} == {date(2025, 3, 18)}


def test_iter_listing_sources_folder() -> None:
    sources = [(name, day) for name, day, _ in iter_listing_sources(LISTINGS)]
    assert sources == [
        ("2025-03-18.jsonl", date(2025, 3, 18)),
        ("2025-03-19.jsonl", date(2025, 3, 19)),
    ]


@pytest.mark.parametrize(
    ("mode", "suffix"), [("w:xz", ".tar.xz"), ("w:gz", ".tar.gz"), ("w", ".tar")]
)
def test_archive_streamed_in_member_order(tmp_path: Path, mode: str, suffix: str) -> None:
    archive = make_tar(tmp_path, mode, suffix)
    seen = []
    for name, day, stream in iter_listing_sources(archive):
        seen.append((name, day, len(stream.read())))
    assert [(name, day) for name, day, _ in seen] == [
        (f"listings{suffix}:data/2025-03-19.jsonl", date(2025, 3, 19)),
        (f"listings{suffix}:data/2025-03-18.jsonl", date(2025, 3, 18)),
    ]
    assert all(size > 0 for *_, size in seen)
    items = assert_only_results(parse_listing_path(archive))
    assert len(only_records(items)) == 5
    assert any("no listing date" in r.reason for r in only_rejected(items))


def test_truncated_archive(tmp_path: Path) -> None:
    big = tmp_path / "src"
    big.mkdir()
    for n in range(1, 6):
        with open(big / f"2025-04-0{n}.jsonl", "w") as out:
            for i in range(300):
                record = {"id": f"2504.{n}{i:04d}", "title": f"T{i}", "summary": "s" * 200}
                out.write(json.dumps(record) + "\n")
    archive = tmp_path / "full.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for file in sorted(big.iterdir()):
            tar.add(file, arcname=file.name)
    data = archive.read_bytes()
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(data[: len(data) // 2])
    items = assert_only_results(parse_listing_path(cut))
    assert 0 < len(only_records(items)) < 1500
    assert isinstance(items[-1], Rejected)


def test_truncated_member_stream_inside_gz_archive(tmp_path: Path) -> None:
    archive = make_tar(tmp_path, "w:gz", ".tar.gz", ["2025-03-18.jsonl"])
    data = archive.read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(data[:-30])
    items = assert_only_results(parse_listing_path(tmp_path / "cut.tar.gz"))
    assert only_rejected(items)


@pytest.mark.parametrize(
    ("mode", "suffix", "cut"),
    [
        ("w:gz", ".tar.gz", 8),  # the gzip trailer (CRC and length) only
        ("w:gz", ".tgz", 12),  # and the end of the deflate stream, which encodes padding only
        ("w:xz", ".tar.xz", 20),
        ("w:bz2", ".tar.bz2", 6),
        ("w:bz2", ".tbz2", 6),
    ],
)
def test_archive_cut_after_its_last_member_is_reported(
    tmp_path: Path, mode: str, suffix: str, cut: int
) -> None:
    # Whether a cut lands in a member's bytes or only in the end padding depends on how the
    # compressor laid out this run's bytes (timestamps are in them); both must be reported.
    archive = make_tar(tmp_path, mode, suffix, ["2025-03-18.jsonl"])
    cut_path = tmp_path / f"cut{suffix}"
    cut_path.write_bytes(archive.read_bytes()[:-cut])
    items = assert_only_results(parse_listing_path(cut_path))
    rejected = only_rejected(items)
    assert len(rejected) == 1 and "truncated" in rejected[0].reason
    assert items[-1] is rejected[0]
    whole = only_records(parse_listing_path(archive))
    assert len(whole) == 3 and only_rejected(parse_listing_path(archive)) == []


def test_categories_and_limit() -> None:
    records = only_records(parse_listing_path(LISTINGS, categories={"eess"}))
    assert [r.arxiv_id for r in records] == ["2503.10004"]
    assert len(only_records(parse_listing_path(LISTINGS, limit=2))) == 2


def test_bad_lines() -> None:
    data = (
        json.dumps({"id": "2501.00001", "title": "x" * 1_000_000}).encode()
        + b"\n"
        + b'{"id": "2501.00002", "title": "caf\xe9"}\n'
        + json.dumps({"title": "no id"}).encode()
        + b"\n"
        + json.dumps({"id": "2501.00003", "authors": "not a list"}).encode()
        + b"\n"
        + json.dumps({"abs": "https://arxiv.org/abs/2501.00004v3", "title": "from abs"}).encode()
        + b"\n"
        + b'{"id": "2501.00005", "tit'
    )
    items = parse_bytes(data)
    assert [type(i).__name__ for i in items] == [
        "Rejected",
        "Rejected",
        "Rejected",
        "Rejected",
        "PaperRecord",
        "Rejected",
    ]
    assert isinstance(items[0], Rejected) and "title longer than" in items[0].reason
    assert items[0].arxiv_id == "2501.00001"
    assert isinstance(items[1], Rejected) and "UTF-8" in items[1].reason
    assert items[1].arxiv_id == "2501.00002"
    assert isinstance(items[2], Rejected) and "missing arXiv id" in items[2].reason
    assert isinstance(items[3], Rejected) and "authors is not a list" in items[3].reason
    assert isinstance(items[4], PaperRecord) and items[4].version == 3
    assert isinstance(items[5], Rejected) and items[5].location == "2025-01-02.jsonl:6"


@pytest.mark.long
def test_real_archive_counts() -> None:
    """The whole 410-day archive: every line accounted for."""
    path = shared_path("data", "arxiv_daily_cs", "daily_jsonl_2025-03-18_to_2026-07-01.tar.xz")
    records = rejected = 0
    ids: set[str] = set()
    days: set[date] = set()
    reasons = []
    for item in parse_listing_path(path):
        if isinstance(item, PaperRecord):
            records += 1
            ids.add(item.arxiv_id)
            assert item.listed_on is not None
            days.add(item.listed_on)
        else:
            rejected += 1
            reasons.append(item.reason)
            if item.arxiv_id:
                ids.add(item.arxiv_id)
    assert records + rejected == 120_405
    assert len(ids) == 74_728
    assert len(days) == 410
    # Only records beyond check_record's limits (a mangled 2,000-character author name; a
    # paper with more than MAX_AUTHORS authors) may be refused.
    assert rejected <= 3, reasons
    assert all("author" in reason for reason in reasons)


# --------------------------------------------------------------------------- properties

_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
_json = st.recursive(
    _json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
_objects = st.dictionaries(
    st.sampled_from(["id", "abs", "title", "summary", "authors", "categories", "comment"]),
    st.one_of(
        _json,
        st.sampled_from(["2503.00001", "2503.00001v2", "https://arxiv.org/abs/2503.00002"]),
        st.lists(st.text(max_size=10), max_size=3),
    ),
)


@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    parse_bytes(data)


@PROPERTY
@given(st.lists(st.one_of(_objects.map(json.dumps), _json.map(json.dumps)), max_size=8))
def test_arbitrary_json_lines(lines: list[str]) -> None:
    for item in parse_bytes("\n".join(lines).encode()):
        if isinstance(item, PaperRecord):
            assert item.listed_on == date(2025, 1, 2)


@PROPERTY
@given(st.binary(max_size=600))
def test_arbitrary_archive_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.tar.xz"
        path.write_bytes(data)
        assert_only_results(parse_listing_path(path))
