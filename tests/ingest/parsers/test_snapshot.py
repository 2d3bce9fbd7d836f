from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.ingest.parsers.snapshot import open_input, parse_snapshot
from paperfeed.papers.records import PaperRecord, Rejected

from .conftest import (
    FIXTURES,
    PROPERTY,
    assert_only_results,
    only_records,
    only_rejected,
    shared_path,
)

GOOD = FIXTURES / "snapshot" / "good.jsonl"
BAD = FIXTURES / "snapshot" / "bad.jsonl"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse_bytes(data: bytes, **kwargs: object) -> list[PaperRecord | Rejected]:
    return assert_only_results(parse_snapshot(io.BytesIO(data), location="x.jsonl", **kwargs))  # type: ignore[arg-type]


def line(**fields: object) -> bytes:
    base: dict[str, object] = {
        "id": "2401.00001",
        "title": "T",
        "abstract": "A",
        "authors": "A. One",
        "categories": "cs.AI",
        "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}],
        "update_date": "2024-02-01",
    }
    base.update(fields)
    return json.dumps(base).encode() + b"\n"


class TestGoodFixture:
    def records(self) -> list[PaperRecord]:
        with open_input(GOOD) as stream:
            items = assert_only_results(parse_snapshot(stream, location="good.jsonl"))
        assert only_rejected(items) == []
        return only_records(items)

    def test_fields(self) -> None:
        first = self.records()[0]
        assert first.source == "snapshot"
        assert first.arxiv_id == "2310.01234"
        assert first.title == "Notes on an Analytical Engine for Transformers"
        assert first.abstract == (
            r"We show that $\sum_{i=1}^n x_i$ can be computed mechanically. "
            r"Results hold for $n \ge 2$."
        )
        assert first.comments == "20 pages; v3 adds appendix"
        # authors_parsed wins; the 4th element is an affiliation.
        assert first.authors == ["Ada Lovelace", "Charles Babbage", "L. F. Menabrea"]
        assert first.categories == ["cs.LG", "cs.AI", "stat.ML"]
        assert first.doi == "10.5555/fixture.engine"
        assert first.journal_ref == "Trans. Fixture Soc. 1 (2024) 1-20"
        assert first.license == "http://creativecommons.org/licenses/by/4.0/"

    def test_versions_not_update_date(self) -> None:
        first = self.records()[0]
        assert first.versions == [
            (1, utc(2023, 10, 2, 17, 59, 59)),
            (2, utc(2023, 10, 10, 8)),
            (3, utc(2024, 1, 3, 12, 30)),
        ]
        assert first.version == 3
        assert first.published == utc(2023, 10, 2, 17, 59, 59)
        assert first.updated == utc(2024, 1, 3, 12, 30)  # not update_date (2024-05-01)

    def test_authors_string_fallback_and_old_ids(self) -> None:
        old = self.records()[1]
        assert old.arxiv_id == "math/0601001"
        assert old.authors == ["J. Müller", "K. Čapek"]  # LaTeX accents decoded

    def test_html_is_kept(self) -> None:
        markup = self.records()[2]
        assert markup.title == "<script>alert('x')</script> & <b>bold</b> claims"
        assert markup.abstract == "<img src=x onerror=alert(1)> stays text."

    def test_categories_filter_and_limit(self) -> None:
        with open_input(GOOD) as stream:
            cs = only_records(parse_snapshot(stream, categories={"cs"}))
        assert [r.arxiv_id for r in cs] == ["2310.01234", "2401.00005"]
        with open_input(GOOD) as stream:
            exact = only_records(parse_snapshot(stream, categories={"hep-ex", "math.CO"}))
        assert [r.arxiv_id for r in exact] == ["math/0601001", "hep-ph/0501234"]
        with open_input(GOOD) as stream:
            assert len(only_records(parse_snapshot(stream, limit=2))) == 2
        with open_input(GOOD) as stream:
            assert list(parse_snapshot(stream, limit=0)) == []


def test_bad_fixture_every_line_accounted_for() -> None:
    with open_input(BAD) as stream:
        items = assert_only_results(parse_snapshot(stream, location="bad.jsonl"))
    records = only_records(items)
    rejected = {r.location: r for r in only_rejected(items)}
    assert [r.arxiv_id for r in records] == ["2310.01234", "hep-ph/0501234"]
    assert "malformed JSON" in rejected["bad.jsonl:2"].reason
    assert "not-an-id" in rejected["bad.jsonl:3"].reason
    assert "missing arXiv id" in rejected["bad.jsonl:4"].reason
    assert "not valid UTF-8" in rejected["bad.jsonl:5"].reason
    assert rejected["bad.jsonl:5"].arxiv_id == "2401.00010"
    assert "not a JSON object" in rejected["bad.jsonl:6"].reason
    assert "bad.jsonl:7" not in rejected  # blank line
    assert rejected["bad.jsonl:8"].arxiv_id == "2401.00011"
    assert "date of v1" in rejected["bad.jsonl:8"].reason
    assert "title is not text" in rejected["bad.jsonl:9"].reason
    assert "truncated" in rejected["bad.jsonl:11"].reason
    assert len(items) == 10


def test_megabyte_title() -> None:
    [rejected] = parse_bytes(line(title="t" * 1_000_000))
    assert isinstance(rejected, Rejected)
    assert rejected.arxiv_id == "2401.00001"
    assert rejected.reason == "title longer than 1000 characters (1000000)"
    assert rejected.location == "x.jsonl:1"


def test_overlong_line_is_skipped_not_loaded() -> None:
    data = line(abstract="a" * 5_000_000) + line(id="2401.00002")
    items = parse_bytes(data)
    assert isinstance(items[0], Rejected) and "longer than" in items[0].reason
    assert isinstance(items[1], PaperRecord) and items[1].arxiv_id == "2401.00002"


def test_lone_surrogates_and_controls() -> None:
    raw = b'{"id": "2401.00003", "title": "a\\ud800b\\u0000c", "categories": "cs.AI"}\n'
    [record] = parse_bytes(raw)
    assert isinstance(record, PaperRecord)
    assert record.title == "a\ufffdbc"


def test_deep_json_nesting() -> None:
    items = parse_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n" + line())
    assert isinstance(items[0], Rejected)
    assert isinstance(items[1], PaperRecord)


def test_duplicate_versions_rejected() -> None:
    versions = [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}] * 2
    [rejected] = parse_bytes(line(versions=versions))
    assert isinstance(rejected, Rejected) and "twice" in rejected.reason


def _compress(kind: str, data: bytes, path: Path) -> Path:
    if kind == "gz":
        path.write_bytes(gzip.compress(data))
    elif kind == "xz":
        path.write_bytes(lzma.compress(data))
    elif kind == "bz2":
        path.write_bytes(bz2.compress(data))
    elif kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("arxiv-metadata-oai-snapshot.json", data)
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", ["plain", "gz", "xz", "bz2", "zip"])
def test_open_input_any_compression(kind: str, tmp_path: Path) -> None:
    path = _compress(kind, GOOD.read_bytes(), tmp_path / f"snap.{kind}")
    with open_input(path) as stream:
        records = only_records(parse_snapshot(stream))
    assert [r.arxiv_id for r in records][:2] == ["2310.01234", "math/0601001"]
    assert len(records) == 4


@pytest.mark.parametrize("kind", ["gz", "xz", "bz2"])
def test_truncated_compressed_stream(kind: str, tmp_path: Path) -> None:
    data = b"".join(line(id=f"2401.{n:05d}", abstract="x" * 300) for n in range(1, 400))
    full = _compress(kind, data, tmp_path / f"full.{kind}").read_bytes()
    cut = tmp_path / f"cut.{kind}"
    cut.write_bytes(full[: len(full) * 2 // 3])
    with open_input(cut) as stream:
        items = assert_only_results(parse_snapshot(stream, location="cut"))
    assert isinstance(items[-1], Rejected)
    assert "truncated" in items[-1].reason or "damaged" in items[-1].reason
    assert len(only_records(items)) < 399


class TestSharedSample:
    def test_exactly_200_records(self) -> None:
        path = shared_path(
            "data", "kaggle_snapshot_sample", "arxiv-metadata-oai-snapshot.sample.jsonl"
        )
        with open_input(path) as stream:
            items = list(parse_snapshot(stream, location=path.name))
        records = only_records(items)
        assert len(items) == len(records) == 200
        by_id = {r.arxiv_id: r for r in records}

        first = by_id["0704.0001"]
        assert first.versions == [
            (1, utc(2007, 4, 2, 19, 18, 42)),
            (2, utc(2007, 7, 24, 20, 10, 27)),
        ]
        assert first.published == utc(2007, 4, 2, 19, 18, 42)
        assert first.updated == utc(2007, 7, 24, 20, 10, 27)  # update_date is 2008-11-26
        assert first.version == 2
        assert first.authors is not None and first.authors[0] == "C. Balázs"
        assert first.categories == ["hep-ph"]
        assert first.title == (
            "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
        )

        second = by_id["0704.0002"]
        assert second.authors == ["Ileana Streinu", "Louis Theran"]
        assert second.categories == ["math.CO", "cs.CG"]
        assert second.versions == [
            (1, utc(2007, 3, 31, 2, 26, 18)),
            (2, utc(2008, 12, 13, 17, 26)),
        ]

        five = by_id["0704.0064"]
        assert five.version == 5
        assert five.updated == utc(2008, 10, 24, 12, 23, 58)

    def test_limit_and_filter(self) -> None:
        path = shared_path(
            "data", "kaggle_snapshot_sample", "arxiv-metadata-oai-snapshot.sample.jsonl"
        )
        with open_input(path) as stream:
            cs = only_records(parse_snapshot(stream, categories={"cs"}, limit=3))
        assert len(cs) == 3
        assert all(any(c.startswith("cs.") for c in r.categories or []) for r in cs)


# --------------------------------------------------------------------------- properties

_json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
_json = st.recursive(
    _json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
_KEYS = ["id", "title", "abstract", "authors", "authors_parsed", "categories", "versions"]
_objects = st.dictionaries(
    st.sampled_from(_KEYS),
    st.one_of(
        _json,
        st.sampled_from(["2401.00001", "hep-th/9901001v2", "cs.AI math.CO", "v1"]),
        st.lists(
            st.fixed_dictionaries({"version": _json_scalar, "created": _json_scalar}), max_size=3
        ),
        st.lists(st.lists(st.text(max_size=10), max_size=4), max_size=3),
    ),
)
_lines = st.lists(
    st.one_of(
        _objects.map(lambda obj: json.dumps(obj).encode()),
        _json.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=60),
    ),
    max_size=8,
)


@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    parse_bytes(data)


@PROPERTY
@given(_lines, st.booleans())
def test_arbitrary_json_lines(lines: list[bytes], trailing_newline: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if trailing_newline else b"")
    items = parse_bytes(data)
    for item in items:
        if isinstance(item, PaperRecord):
            assert item.source == "snapshot"
            for _, when in item.versions or []:
                assert when.tzinfo is not None
    parse_bytes(data, categories={"cs"}, limit=1)
