"""The github_ranking_stars format (paperfeed/trending/starfiles.py), on small files written
here in the real format (the shared data's CSV header and rows)."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime

from paperfeed.trending import starfiles
from paperfeed.trending.starfiles import Rejected, StarCount

HEADER = "rank,item,repo_name,stars,forks,language,repo_url,username,issues,last_commit,description"
DAY1 = "\n".join(
    [
        HEADER,
        "1,top-100-stars,rocket,3100,41,Python,https://github.com/Acme/Rocket,Acme,19,"
        '2026-04-09T19:04:06Z,"Fast, ""small"" rockets"',
        "7,Python,rocket,3100,41,Python,https://github.com/acme/rocket,acme,19,2026-04-09T19:04:06Z,"
        "Fast rockets",
        "2,top-100-stars,lib,12,3,C,https://github.com/x/lib,x,0,2026-04-01T00:00:00Z,",
        "3,top-100-stars,broken,many,3,C,https://github.com/x/broken,x,0,2026-04-01T00:00:00Z,",
        "4,top-100-stars,elsewhere,50,3,C,https://gitlab.com/x/elsewhere,x,0,2026-04-01T00:00:00Z,",
        "5,top-100-stars,evil,50,3,C,javascript://github.com/x/evil,x,0,2026-04-01T00:00:00Z,",
        "6,top-100-stars,neg,-5,3,C,https://github.com/x/neg,x,0,2026-04-01T00:00:00Z,",
        "",
    ]
)


def _read(name: str, text: str) -> list[StarCount | Rejected]:
    return list(starfiles.read_star_csv(io.BytesIO(text.encode()), name=name))


def test_one_day_merges_lists_and_rejects_bad_rows_with_reasons():
    items = _read("github-ranking-2026-04-10.csv", DAY1)
    counts = [item for item in items if isinstance(item, StarCount)]
    rejected = [item for item in items if isinstance(item, Rejected)]
    when = datetime(2026, 4, 10, tzinfo=UTC)
    assert counts == [
        StarCount("github.com/acme/rocket", when, 3100),  # listed twice, once
        StarCount("github.com/x/lib", when, 12),
    ]
    reasons = {item.where: item.reason for item in rejected}
    assert reasons["github-ranking-2026-04-10.csv:5"].startswith("star count is not a whole")
    assert reasons["github-ranking-2026-04-10.csv:6"].startswith("not a GitHub repository")
    assert reasons["github-ranking-2026-04-10.csv:7"].startswith("repo_url refused")
    assert reasons["github-ranking-2026-04-10.csv:8"] == "star count out of range: -5"


def test_a_file_without_its_day_or_columns_is_rejected_whole():
    (nameless,) = _read("stars.csv", DAY1)
    assert isinstance(nameless, Rejected) and "does not say its day" in nameless.reason
    (columns,) = _read("github-ranking-2026-04-10.csv", "rank,item,repo_name\n1,a,b\n")
    assert isinstance(columns, Rejected) and columns.reason == "missing column(s): repo_url, stars"
    assert _read("github-ranking-2026-04-10.csv", "") == [
        Rejected("github-ranking-2026-04-10.csv", "missing column(s): repo_url, stars")
    ]
    assert starfiles.day_of("github-ranking-2026-02-30.csv") is None


def test_hostile_bytes_never_raise():
    junk = HEADER + "\n" + "\x00\xff" * 50 + '\n"unterminated,' + "x" * 20000 + "\n"
    items = _read("github-ranking-2026-04-10.csv", junk)
    assert items and all(isinstance(item, Rejected) for item in items)


def test_a_tar_xz_is_read_member_by_member(tmp_path):
    archive = tmp_path / "daily.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for name, text in (
            ("Data/github-ranking-2026-04-10.csv", DAY1),
            ("Data/README.md", "not a csv"),
            ("Data/github-ranking-2026-04-11.csv", DAY1.replace(",3100,", ",3300,")),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    items = list(starfiles.read_star_file(archive))
    assert [item for item in items if isinstance(item, str)] == [
        "github-ranking-2026-04-10.csv",
        "github-ranking-2026-04-11.csv",
    ]
    rocket = [i.stars for i in items if isinstance(i, StarCount) and i.key.endswith("rocket")]
    assert rocket == [3100, 3300]
    broken = tmp_path / "broken.tar.xz"
    broken.write_bytes(b"not xz at all")
    (only,) = starfiles.read_star_file(broken)
    assert isinstance(only, Rejected) and "not a readable tar archive" in only.reason


def test_urls_normalised_once_are_kept_within_a_bound_and_answer_the_same(monkeypatch):
    monkeypatch.setattr(starfiles, "MAX_SEEN_URLS", 3)
    long_url = "https://github.com/acme/" + "r" * 400  # over the URL limit: never kept
    rows = [HEADER] + [
        f"{n},top-100-stars,r{n},{n},1,C,https://github.com/acme/r{n},acme,0,2026-04-01T00:00:00Z,"
        for n in range(1, 8)
    ]
    rows.append(f"9,top-100-stars,long,9,1,C,{long_url},acme,0,2026-04-01T00:00:00Z,")
    text = "\n".join(rows * 2) + "\n"  # every repository listed twice: the second from memory
    seen: dict = {}
    items = list(
        starfiles.read_star_csv(
            io.BytesIO(text.encode()), name="github-ranking-2026-04-10.csv", seen=seen
        )
    )
    counts = {item.key: item.stars for item in items if isinstance(item, StarCount)}
    assert counts == {f"github.com/acme/r{n}": n for n in range(1, 8)}
    assert [item.reason for item in items if isinstance(item, Rejected)] == [
        "repo_url refused: longer than 300 characters",
        "star count is not a whole number: 'stars'",  # the repeated header line
        "repo_url refused: longer than 300 characters",
    ]
    assert len(seen) == 3 and long_url not in seen
    assert seen["https://github.com/acme/r1"].key == "github.com/acme/r1"


def test_short_rows_blank_lines_and_a_repeated_column_read_as_by_their_names():
    # A header may name a column twice (the last one counts, as a dict of the row would keep);
    # rows may be short, or blank (skipped, and still counted in the line numbers).
    text = "\n".join(
        [
            "repo_url,stars,repo_url",
            "https://github.com/x/first,5,https://github.com/x/last",
            "",
            "https://github.com/x/short,7",
            "https://github.com/x/onlyurl",
            "https://github.com/x/a,9,https://github.com/x/b,extra,fields",
            "",
        ]
    )
    items = _read("github-ranking-2026-04-10.csv", text)
    when = datetime(2026, 4, 10, tzinfo=UTC)
    assert [item for item in items if isinstance(item, StarCount)] == [
        StarCount("github.com/x/last", when, 5),
        StarCount("github.com/x/b", when, 9),
    ]
    assert [item for item in items if isinstance(item, Rejected)] == [
        Rejected("github-ranking-2026-04-10.csv:4", "no repo_url"),
        Rejected("github-ranking-2026-04-10.csv:5", "no repo_url"),
    ]
