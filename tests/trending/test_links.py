"""code_links_find and the daily scan, on papers imported from small files in the real formats."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from paperfeed.ingest.sources import papers_import_files
from paperfeed.papers.models import Paper
from paperfeed.trending import links
from paperfeed.trending.models import Repository
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

HELIOS_TITLE = "Helios: Real Real-Time Long Video Generation Model"


def _listing(path: Path, rows: list[dict[str, object]]) -> Path:
    lines = []
    for row in rows:
        arxiv_id = row["id"]
        lines.append(
            json.dumps(
                {
                    "id": arxiv_id,
                    "categories": ["cs.CV"],
                    "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
                    "abs": f"https://arxiv.org/abs/{arxiv_id}",
                    "authors": ["Ada Lovelace"],
                    "comment": None,
                    **row,
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def _hf_api(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text(
        json.dumps(
            [
                {
                    "paper": {
                        "authors": [{"_id": "1", "name": "Ada Lovelace", "hidden": False}],
                        "publishedAt": "2026-03-04T17:08:18.000Z",
                        "submittedOnDailyAt": "2026-03-06T03:55:12.777Z",
                        "summary": "Abstract.",
                        "upvotes": 10,
                        **item,
                    },
                    "publishedAt": "2026-03-04T12:08:18.000Z",
                    "title": item["title"],
                }
                for item in items
            ]
        )
    )
    return path


def _scrape(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text(
        json.dumps(
            [
                {
                    "title": item["title"],
                    "paper_url": f"https://huggingface.co/papers/{item['id']}",
                    "authors": [],
                    "stars": "462",
                    "details": {
                        "title": item["title"],
                        "abstract": item.get("comment", ""),
                        "arxiv_page_url": f"https://arxiv.org/abs/{item['id']}",
                        "pdf_url": f"https://arxiv.org/pdf/{item['id']}",
                        "github_links": item.get("links", []),
                        "metadata": {},
                    },
                    "scraped_date": path.stem,
                }
                for item in items
            ]
        )
    )
    return path


def _imported(*paths: Path) -> dict[str, Paper]:
    run = papers_import_files(paths=[str(p) for p in paths])
    assert not run.errors, run.errors
    papers = {p.arxiv_id: p for p in Paper.objects.all()}
    links.code_links_find(paper_ids=[p.pk for p in papers.values()])
    return {key: Paper.objects.get(pk=p.pk) for key, p in papers.items()}


def test_helios_gets_its_own_repository_and_project_page_at_import(tmp_path):
    listing = _listing(
        tmp_path / "2026-03-05.jsonl",
        [
            {
                "id": "2603.04379",
                "title": HELIOS_TITLE,
                # The pull request of another project in the abstract must not become the link.
                "summary": "Served with SGLang (https://github.com/sgl-project/sglang/pull/19782).",
            }
        ],
    )
    scrape = _scrape(
        tmp_path / "2026-03-06.json",
        [
            {
                "id": "2603.04379",
                "title": HELIOS_TITLE,
                "comment": "Code: https://github.com/PKU-YuanGroup/Helios Page: "
                "https://pku-yuangroup.github.io/Helios-Page/ Inference Speed:",
                "links": [
                    "https://github.com/sgl-project/sglang/pull/19782",
                    "https://github.com/PKU-YuanGroup/Helios",
                    "https://github.com/vllm-project/vllm-omni/pull/1604",
                ],
            }
        ],
    )
    helios = _imported(listing, scrape)["2603.04379"]
    assert (helios.code_url, helios.code_url_source) == (
        "https://github.com/PKU-YuanGroup/Helios",
        "auto",
    )
    assert helios.project_page == "https://pku-yuangroup.github.io/Helios-Page/"
    assert Repository.objects.filter(key="github.com/pku-yuangroup/helios").exists()


def test_listing_abstracts_and_comments_at_import(tmp_path):
    listing = _listing(
        tmp_path / "2026-03-05.jsonl",
        [
            {
                "id": "2603.00001",
                "title": "MyNet: Fast Things",
                "summary": "We build on https://github.com/huggingface/transformers.",
                "comment": "CVPR 2026. Code: https://github.com/me/MyNet Project page: "
                "https://mynet.example.org/",
            },
            {
                "id": "2603.00002",
                "title": "Plain",
                "summary": "Merged in https://github.com/vllm-project/vllm/pull/1 and see "
                "https://github.com/someone only.",
            },
            {
                "id": "2603.00003",
                "title": "Hostile",
                "summary": "javascript://github.com/a/b https://github.com.evil.io/a/b "
                f"https://github.com/{'x' * 400}/y https://g\u0456thub.com/a/b",
            },
        ],
    )
    papers = _imported(listing)
    mynet = papers["2603.00001"]
    assert mynet.code_url == "https://github.com/me/MyNet"
    assert mynet.project_page == "https://mynet.example.org/"
    assert papers["2603.00002"].code_url == "" and papers["2603.00002"].project_page == ""
    assert papers["2603.00003"].code_url == ""


def test_the_hf_api_named_repository_and_page_win(tmp_path):
    api = _hf_api(
        tmp_path / "daily.json",
        [
            {
                "id": "2603.00010",
                "title": "Named",
                "summary": "Code at https://github.com/other/thing.",
                "githubRepo": "https://github.com/lab/named",
                "githubStars": 12,
                "projectPage": "https://named.example.org/",
            }
        ],
    )
    named = _imported(api)["2603.00010"]
    assert (named.code_url, named.code_stars) == ("https://github.com/lab/named", 12)
    assert named.project_page == "https://named.example.org/"


def test_an_old_automatic_link_to_a_pull_request_is_dropped_and_stars_follow_the_repository():
    old = PaperFactory(
        title=HELIOS_TITLE,
        abstract="",
        code_url="https://github.com/sgl-project/sglang/pull/19782",
        code_url_source="auto",
        code_stars=40000,
        sources=["hf_scrape"],
    )
    deep_own = PaperFactory(
        abstract="",
        code_url="https://github.com/o/r/tree/main",
        code_url_source="auto",
        code_stars=5,
        sources=["hf_scrape"],
    )
    assert links.code_links_find(paper_ids=[old.pk, deep_own.pk, old.pk]) == 2
    old.refresh_from_db()
    deep_own.refresh_from_db()
    assert (old.code_url, old.code_url_source, old.code_stars) == ("", "", None)
    # The same repository written in its normal form keeps the stars HF gave.
    assert (deep_own.code_url, deep_own.code_stars) == ("https://github.com/o/r", 5)
    assert links.code_links_find(paper_ids=[old.pk, deep_own.pk]) == 0  # idempotent


def test_a_link_from_an_earlier_scan_is_re_judged_by_the_rule():
    # Not from an HF source: the stored link came from a scan of the text, so the text decides.
    paper = PaperFactory(
        title="MyNet: Fast Things",
        abstract="We build on https://github.com/huggingface/transformers.",
        comments="Code: https://github.com/me/MyNet",
        code_url="https://github.com/huggingface/transformers",
        code_url_source="auto",
    )
    assert links.code_links_find(paper_ids=[paper.pk]) == 1
    paper.refresh_from_db()
    assert paper.code_url == "https://github.com/me/MyNet"


def test_a_link_a_person_set_or_cleared_is_never_overwritten():
    cleared = PaperFactory(
        abstract="Code: https://github.com/lab/found. Project page: https://lab.github.io/p",
        code_url="",
        code_url_source="user",
    )
    chosen = PaperFactory(
        title="Helios: x",
        abstract="Code: https://github.com/PKU-YuanGroup/Helios",
        code_url="https://github.com/person/choice",
        code_url_source="user",
    )
    links.code_links_find(paper_ids=[cleared.pk, chosen.pk])
    links.code_links_scan(every=True)
    cleared.refresh_from_db()
    chosen.refresh_from_db()
    assert (cleared.code_url, cleared.code_url_source) == ("", "user")
    # A project page is not the code link a person chose: it is still filled.
    assert cleared.project_page == "https://lab.github.io/p"
    assert (chosen.code_url, chosen.code_url_source) == ("https://github.com/person/choice", "user")


def test_the_daily_scan_uses_the_same_rule_and_reports_refusals(caplog):
    pr_only = PaperFactory(abstract="See https://github.com/huggingface/diffusers/pull/13208")
    page_only = PaperFactory(abstract="Project page: https://lab.github.io/thing/")
    hostile = PaperFactory(abstract="javascript://github.com/x/y https://github.com.evil.io/a/b")
    found = PaperFactory(comments="Code: https://github.com/Lab/Model.git.")
    caplog.set_level(logging.INFO)
    summary = links.code_links_scan()
    for paper in (pr_only, page_only, hostile, found):
        paper.refresh_from_db()
    assert pr_only.code_url == "" and hostile.code_url == ""
    assert page_only.project_page == "https://lab.github.io/thing/"
    assert found.code_url == "https://github.com/Lab/Model"
    assert (summary.linked, summary.pages, sum(summary.refused.values())) == (1, 1, 2)
    assert "github.com.evil.io" in caplog.text
    # Nothing left to do on the second pass.
    again = links.code_links_scan()
    assert (again.linked, again.dropped, again.pages) == (0, 0, 0)


def test_unknown_ids_and_an_empty_list_are_fine():
    assert links.code_links_find(paper_ids=[]) == 0
    assert links.code_links_find(paper_ids=[987654321]) == 0


def test_the_cards_paper_page_api_and_markdown_show_the_project_page(client):
    paper = PaperFactory(
        abstract="Project page: https://lab.github.io/thing/ and code github.com/lab/thing"
    )
    links.code_links_find(paper_ids=[paper.pk])
    link = 'href="https://lab.github.io/thing/" rel="noopener nofollow">Project page</a>'
    assert link in client.get("/papers/new").content.decode()
    assert link in client.get(f"/papers/{paper.arxiv_id}").content.decode()
    api = client.get(f"/api/papers/{paper.arxiv_id}").json()
    assert api["projectPage"] == "https://lab.github.io/thing/"
    assert api["githubRepo"] == "https://github.com/lab/thing"
    markdown = client.get(f"/papers/{paper.arxiv_id}.md").content.decode()
    assert "[Project page](https://lab.github.io/thing/)" in markdown


def test_the_stars_links_command_re_judges_earlier_links_with_all():
    from io import StringIO

    from django.core.management import call_command

    old = PaperFactory(
        title="MyNet: Fast Things",
        abstract="We build on https://github.com/huggingface/transformers.",
        comments="Code: https://github.com/me/MyNet",
        code_url="https://github.com/huggingface/transformers",
        code_url_source="auto",
        project_page="https://mynet.example.org/",
    )
    out = StringIO()
    call_command("stars", "links", stdout=out)
    old.refresh_from_db()
    assert old.code_url == "https://github.com/huggingface/transformers"  # has both: not read
    call_command("stars", "links", "--all", stdout=out)
    old.refresh_from_db()
    assert old.code_url == "https://github.com/me/MyNet"
    assert "1 linked" in out.getvalue()


def test_code_link_scan_sets_auto_and_never_overrides_user(caplog):
    found = PaperFactory(abstract="Code: https://github.com/Lab/Model.git.")
    user_cleared = PaperFactory(
        abstract="Code: https://github.com/lab/other", code_url_source="user"
    )
    hostile = PaperFactory(
        abstract="See javascript://github.com/x/y and https://github.com.evil.io/a/b"
    )
    caplog.set_level(logging.INFO)
    summary = links.code_links_scan()
    found.refresh_from_db()
    user_cleared.refresh_from_db()
    hostile.refresh_from_db()
    assert (found.code_url, found.code_url_source) == ("https://github.com/Lab/Model", "auto")
    assert user_cleared.code_url == ""
    assert hostile.code_url == "" and sum(summary.refused.values()) == 2
    assert "github.com.evil.io" in caplog.text


def test_a_pass_logs_one_summary_line_however_many_links_it_skips(caplog):
    papers = [
        PaperFactory(abstract=f"javascript://github.com/x/y{n} https://github.com.evil.io/a/b{n}")
        for n in range(12)
    ]
    caplog.set_level(logging.INFO, logger="paperfeed.trending.links")
    summary = links.code_links_scan()
    assert sum(summary.refused.values()) == 24
    [line] = [r.getMessage() for r in caplog.records if r.name == "paperfeed.trending.links"]
    assert line.startswith(f"code link scan: {len(papers)} papers read")
    assert line.count("e.g.") == 1 and line.count("paper ") <= 4

    caplog.clear()
    links.code_links_find(paper_ids=[p.pk for p in papers])
    [line] = [r.getMessage() for r in caplog.records if r.name == "paperfeed.trending.links"]
    assert line.startswith("code links of imported papers: 12 papers read")
