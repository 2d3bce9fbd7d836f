from __future__ import annotations

import json
import tarfile
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from paperfeed.ingest.parsers.hf_daily import (
    parse_daily_papers,
    parse_hf_scrape,
    parse_hf_scrape_path,
)
from paperfeed.papers.records import FeaturedRecord, PaperRecord, Rejected

from .conftest import (
    FIXTURES,
    PROPERTY,
    assert_only_results,
    only_records,
    only_rejected,
    shared_path,
)

HF = FIXTURES / "hf"


def api(name: str) -> list[PaperRecord | Rejected]:
    return assert_only_results(parse_daily_papers((HF / name).read_bytes(), location=name))


def one_item(**paper: object) -> bytes:
    base: dict[str, object] = {
        "id": "2601.00001",
        "title": "T",
        "summary": "S",
        "authors": [{"name": "A"}],
        "publishedAt": "2026-01-01T00:00:00.000Z",
        "submittedOnDailyAt": "2026-01-02T03:00:00.000Z",
        "upvotes": 1,
    }
    base.update(paper)
    return json.dumps([{"paper": base, "title": "T"}]).encode()


class TestApi2024:
    def test_record(self) -> None:
        first = api("daily_papers_2024.json")[0]
        assert isinstance(first, PaperRecord)
        assert first.source == "hf_daily"
        assert first.arxiv_id == "2410.20001"
        assert first.title == "Long Title Split Over Two Lines"
        assert first.abstract == "An abstract with hard wraps and $x^2$."
        # Hidden authors are still authors.
        assert first.authors == ["Zed Alpha", "Yan Beta", "Hidden Gamma"]
        assert first.published == datetime(2024, 10, 22, 17, 59, 30, tzinfo=UTC)
        # No submittedOnDailyAt in 2024: the item's publishedAt gives the featured day.
        assert first.featured == FeaturedRecord(
            day=date(2024, 10, 25), upvotes=64, submitter="zalpha"
        )
        assert first.code_url is None and first.code_stars is None

    def test_markup_and_bad_id(self) -> None:
        items = api("daily_papers_2024.json")
        second, third = items[1], items[2]
        assert isinstance(second, PaperRecord)
        assert second.title == "<script>alert(1)</script>Second"
        assert second.featured is not None and second.featured.upvotes == 0
        assert second.featured.submitter == "someone"
        assert isinstance(third, Rejected)
        assert "not-an-id" in third.reason
        assert third.location == "daily_papers_2024.json:item 3"


class TestApi2026:
    def test_record(self) -> None:
        first = api("daily_papers_2026.json")[0]
        assert isinstance(first, PaperRecord)
        assert first.arxiv_id == "2602.30001"
        assert first.code_url == "https://github.com/example/icl"
        assert first.code_stars == 9
        assert first.project_page == "https://example.org/icl/"
        assert first.published == datetime(2026, 2, 26, 17, 8, 18, tzinfo=UTC)
        assert first.featured == FeaturedRecord(
            day=date(2026, 3, 6), upvotes=10, submitter="marta-uno"
        )

    def test_fallbacks_and_bad_values(self) -> None:
        items = api("daily_papers_2026.json")
        second, third = items[1], items[2]
        assert isinstance(second, PaperRecord)
        assert second.featured is not None
        assert second.featured.upvotes == 3  # "3" as text
        assert second.featured.submitter == "Only Fullname"
        assert second.code_url is None
        assert isinstance(third, Rejected)
        assert third.arxiv_id == "2603.00003"
        assert "upvotes" in third.reason


def test_bad_documents() -> None:
    for data, reason in [
        (b"", "not a JSON document"),
        (b"[{", "not a JSON document"),
        (b'{"error": "Rate limited"}', "Rate limited"),
        (b"42", "not a list"),
        (b"\xff\xfe", "not a JSON document"),
    ]:
        [rejected] = assert_only_results(parse_daily_papers(data, location="d.json"))
        assert isinstance(rejected, Rejected)
        assert reason in rejected.reason
    items = assert_only_results(parse_daily_papers(b'[1, {"paper": 2}, {}]'))
    assert len(only_rejected(items)) == 3


def test_megabyte_title_and_missing_dates() -> None:
    [rejected] = assert_only_results(parse_daily_papers(one_item(title="x" * 1_000_000)))
    assert isinstance(rejected, Rejected) and "title longer than" in rejected.reason
    [rejected] = assert_only_results(
        parse_daily_papers(json.dumps([{"paper": {"id": "2601.00001", "title": "T"}}]).encode())
    )
    assert isinstance(rejected, Rejected) and "featured date" in rejected.reason
    [rejected] = assert_only_results(parse_daily_papers(one_item(githubRepo="javascript:x")))
    assert isinstance(rejected, Rejected) and "githubRepo" in rejected.reason


class TestScrape:
    def test_fixture(self) -> None:
        items = assert_only_results(parse_hf_scrape_path(HF / "2025-12-04.json"))
        records = only_records(items)
        assert [r.arxiv_id for r in records] == [
            "2512.00001",
            "2512.00002",
            "2512.00003",
            "2512.00004",
        ]
        plain, comment, popular, undated = records
        assert plain.source == "hf_scrape"
        assert plain.featured == FeaturedRecord(day=date(2025, 12, 4), upvotes=0, comment="")
        assert plain.abstract is None and plain.authors is None
        assert comment.featured is not None and comment.featured.upvotes == 7
        assert comment.featured.comment.startswith("\U0001f680 Excited to share TACO!")
        # The site-wide github.com/huggingface link is skipped.
        assert comment.code_url == "https://github.com/example/taco"
        assert popular.featured is not None and popular.featured.upvotes == 0  # "1.41k"
        assert popular.code_url == "https://www.github.com/big/repo/tree/main/sub"
        # No scraped_date: the file name's date.
        assert undated.featured is not None and undated.featured.day == date(2025, 12, 4)
        [bad] = only_rejected(items)
        assert "bogus" in bad.reason

    def test_a_scraped_abstract_becomes_the_abstract_with_its_source(self) -> None:
        from tests.ingest.parsers.test_hf_abstract import ABSTRACT, TITLE

        def item(text: str, number: int) -> dict[str, object]:
            return {
                "title": TITLE,
                "paper_url": f"https://huggingface.co/papers/2512.0000{number}",
                "authors": [],
                "stars": "3",
                "details": {"title": TITLE, "abstract": text, "github_links": []},
                "scraped_date": "2025-12-04",
            }

        note = "\U0001f680 Our new paper is out, code at https://github.com/example/x"
        data = json.dumps([item("Abstract: " + ABSTRACT, 1), item(note, 2)]).encode()
        abstract, comment = only_records(assert_only_results(parse_hf_scrape(data)))
        assert abstract.abstract == ABSTRACT and abstract.abstract_source == "hf_scrape"
        assert abstract.featured is not None and abstract.featured.comment == ""
        assert comment.abstract is None and comment.abstract_source == ""
        assert comment.featured is not None and comment.featured.comment == note

    def test_the_repository_itself_wins_over_a_pull_request_listed_first(self) -> None:
        # The real 2026-03-06 scrape of Helios (2603.04379), shortened.
        item = {
            "title": "Helios: Real Real-Time Long Video Generation Model",
            "paper_url": "https://huggingface.co/papers/2603.04379",
            "stars": "462",
            "details": {
                "abstract": "Code: https://github.com/PKU-YuanGroup/Helios Page: "
                "https://pku-yuangroup.github.io/Helios-Page/",
                "github_links": [
                    "https://github.com/sgl-project/sglang/pull/19782",
                    "https://github.com/PKU-YuanGroup/Helios",
                    "https://github.com/huggingface/diffusers/pull/13208",
                ],
            },
            "scraped_date": "2026-03-06",
        }
        only_pr = {**item, "details": {"github_links": [item["details"]["github_links"][0]]}}
        branch = {**item, "details": {"github_links": ["https://github.com/a/b/tree/main"]}}
        helios, pr, on_branch = (
            next(iter(assert_only_results(parse_hf_scrape(json.dumps([x]).encode()))))
            for x in (item, only_pr, branch)
        )
        assert isinstance(helios, PaperRecord)
        assert helios.code_url == "https://github.com/PKU-YuanGroup/Helios"
        # Alone, a link into a repository is passed on whole: the link rule judges it.
        assert isinstance(pr, PaperRecord)
        assert pr.code_url == "https://github.com/sgl-project/sglang/pull/19782"
        assert isinstance(on_branch, PaperRecord)
        assert on_branch.code_url == "https://github.com/a/b/tree/main"

    def test_without_any_date(self) -> None:
        data = json.dumps(
            [{"paper_url": "https://huggingface.co/papers/2512.00009", "title": "T"}]
        ).encode()
        [rejected] = assert_only_results(parse_hf_scrape(data))
        assert isinstance(rejected, Rejected) and "scrape date" in rejected.reason
        [record] = assert_only_results(parse_hf_scrape(data, day=date(2025, 1, 1)))
        assert isinstance(record, PaperRecord) and record.arxiv_id == "2512.00009"

    def test_tar_archive(self, tmp_path: Path) -> None:
        archive = tmp_path / "scrapes.tar.xz"
        with tarfile.open(archive, "w:xz") as tar:
            tar.add(HF / "2025-12-04.json", arcname="daily/2025-12-04.json")
        items = assert_only_results(parse_hf_scrape_path(archive))
        assert len(only_records(items)) == 4

    def test_real_archive(self) -> None:
        path = shared_path(
            "data", "hf_daily_papers", "atharvadomale_hf_daily_2025-12-04_to_2026-08-22.tar.xz"
        )
        items = list(parse_hf_scrape_path(path))
        records = only_records(items)
        assert len(items) == 5917
        assert only_rejected(items) == []
        assert len({r.arxiv_id for r in records}) == 3868
        days = {r.featured.day for r in records if r.featured}
        assert min(days) == date(2025, 12, 4) and max(days) == date(2026, 8, 22)
        assert max(r.featured.upvotes for r in records if r.featured) == 966
        assert sum(1 for r in records if r.code_url) > 3000


class TestSharedSamples:
    def test_2024(self) -> None:
        path = shared_path("samples", "hf_daily_papers_2024-10-25_deep-diver_first2.json")
        first, second = assert_only_results(parse_daily_papers(path.read_bytes()))
        assert isinstance(first, PaperRecord) and isinstance(second, PaperRecord)
        assert first.arxiv_id == "2410.17243"
        assert first.featured == FeaturedRecord(
            day=date(2024, 10, 25), upvotes=64, submitter="ClownRat"
        )
        assert first.authors is not None and len(first.authors) == 9
        assert second.featured is not None and second.featured.upvotes == 41

    def test_2026_single_object(self) -> None:
        path = shared_path("samples", "hf_daily_papers_item_2026-03_doc-example.json")
        [record] = assert_only_results(parse_daily_papers(path.read_bytes()))
        assert isinstance(record, PaperRecord)
        assert record.arxiv_id == "2602.23229"
        assert record.code_url == "https://github.com/marco-garosi/CIRCLE"
        assert record.code_stars == 9
        assert record.project_page == "https://circle-lmm.github.io/"
        assert record.featured == FeaturedRecord(
            day=date(2026, 3, 6), upvotes=10, submitter="marco-garosi"
        )


# --------------------------------------------------------------------------- properties

_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
_paper = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "title",
            "summary",
            "authors",
            "publishedAt",
            "submittedOnDailyAt",
            "upvotes",
            "githubRepo",
            "githubStars",
            "projectPage",
            "submittedOnDailyBy",
        ]
    ),
    st.one_of(_json, st.sampled_from(["2601.00001", "2026-01-01T00:00:00Z", "https://x.org"])),
)
_api_items = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"paper": _paper}, optional={"publishedAt": _json, "submittedBy": _json}
        ),
        _json,
    ),
    max_size=4,
)
_scrape_items = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "paper_url": st.one_of(_json, st.just("https://huggingface.co/papers/2512.00001")),
            "stars": st.one_of(_json, st.sampled_from(["12", "1.2k", "-"])),
            "scraped_date": st.one_of(_json, st.just("2025-12-04")),
            "details": st.one_of(
                _json,
                st.dictionaries(
                    st.sampled_from(["title", "abstract", "arxiv_page_url", "github_links"]),
                    _json,
                ),
            ),
        },
    ),
    max_size=4,
)


@PROPERTY
@given(st.binary(max_size=1000))
def test_arbitrary_bytes(data: bytes) -> None:
    assert_only_results(parse_daily_papers(data))
    assert_only_results(parse_hf_scrape(data))


@PROPERTY
@given(_api_items)
def test_arbitrary_api_json(items: list[object]) -> None:
    assert_only_results(parse_daily_papers(json.dumps(items).encode()))


@PROPERTY
@given(_scrape_items)
def test_arbitrary_scrape_json(items: list[object]) -> None:
    assert_only_results(parse_hf_scrape(json.dumps(items).encode()))
