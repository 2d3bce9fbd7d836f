"""Keywords and one-line summaries: papers per CPU-second on the real corpus, side by side with
an older version of the extractors, and the 20 papers of one real featured day (the quality
check).

    .venv/bin/python -m bench.glance_speed [--papers N] [--rounds R] [--before REF] [--day D]
    .venv/bin/python -m bench.glance_speed --check --before REF --papers 80000

``--check`` counts the papers whose keywords or summary differ from REF's (a speed-up must
show 0).

``--before REF`` loads `keywords.py` and `contribution.py` as they were at git revision REF
(1ce7ad7: YAKE, which must then be installed: `pip install 'yake>=0.7,<0.8'`) and times both on
the same papers in alternating rounds, so a busy machine slows both alike. CPU time is reported
beside wall time: on a shared machine the wall clock measures the neighbours. The import rate
to keep up with is that of `paperfeed ingest` (bench/corpus.py prints it).

The featured day's abstracts are what the site would store: arXiv's listing, else the HF page's
text only when the importer's own rule (`scraped_text_is_abstract`) takes it for the abstract;
a submitter's comment is not an abstract.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import time
import types
from collections.abc import Callable
from pathlib import Path

from bench.common import DAILY_ARCHIVE, REPO, SHARED, require_shared
from paperfeed.ingest.parsers.hf_abstract import scraped_text_is_abstract
from paperfeed.papers.glance.compute import glance_compute
from paperfeed.papers.glance.contribution import contribution_sentence
from paperfeed.papers.glance.keywords import keywords_extract

HF_ARCHIVE = next((SHARED / "data/hf_daily_papers").glob("*.tar.xz"), None)
Extract = Callable[[str, str], object]
NONE = "-"


def corpus(limit: int | None = None) -> dict[str, dict]:
    papers: dict[str, dict] = {}
    with tarfile.open(DAILY_ARCHIVE) as archive:
        for member in archive:
            if not member.isfile():
                continue
            for line in archive.extractfile(member) or []:
                record = json.loads(line)
                papers[record["id"]] = record
            if limit and len(papers) >= limit:
                break
    return papers


def _module_at(revision: str, path: str, name: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType(name)
    # A dataclass looks its module up in sys.modules.
    sys.modules[name] = module
    exec(compile(source, f"{revision}:{path}", "exec"), module.__dict__)  # noqa: S102
    return module


def before_extractors(revision: str) -> tuple[Extract, Callable[[str], str]]:
    """The keyword and summary functions as they were at ``revision``."""
    keywords = _module_at(revision, "paperfeed/papers/glance/keywords.py", "keywords_before")
    rule = _module_at(revision, "paperfeed/papers/glance/contribution.py", "rule_before")
    return keywords.keywords_extract, rule.contribution_sentence


def _timed(extract: Extract, papers: list[dict]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for paper in papers:
        extract(paper["title"], paper["summary"])
    return time.process_time() - cpu, time.perf_counter() - wall


def speed(papers: list[dict], *, rounds: int, before: str | None) -> None:
    n = len(papers)
    versions: dict[str, Extract] = {"now": keywords_extract}
    if before:
        versions = {f"before ({before})": before_extractors(before)[0], **versions}
    # One warm-up pass each (imports, caches of known words), not counted.
    for extract in versions.values():
        _timed(extract, papers[: min(n, 50)])
    cpu: dict[str, list[float]] = {name: [] for name in versions}
    wall: dict[str, list[float]] = {name: [] for name in versions}
    for round_ in range(1, rounds + 1):
        line = []
        for name, extract in versions.items():
            spent, elapsed = _timed(extract, papers)
            cpu[name].append(n / spent)
            wall[name].append(n / elapsed)
            line.append(f"{name} {n / spent:,.0f}/CPU-s")
        print(f"round {round_}: " + ", ".join(line))
    for name in versions:
        print(
            f"keywords {name}: {n} papers, median {statistics.median(cpu[name]):,.0f} papers per "
            f"CPU-second ({statistics.median(wall[name]):,.0f}/s wall on one process)"
        )
    if before:
        old, new = (statistics.median(values) for values in cpu.values())
        print(f"ratio now/before: {new / old:.1f}x papers per CPU-second")
    started = time.process_time()
    found = sum(
        1 for paper in papers if contribution_sentence(paper["summary"], title=paper["title"])
    )
    rule_cpu = time.process_time() - started
    print(
        f"summary rule: {n / rule_cpu:,.0f} papers per CPU-second; "
        f"{found / n:.1%} of abstracts state a contribution the rule finds"
    )
    # What `summaries build` computes per paper (keywords, summary, text key), without the
    # database: the most the command can do on one process.
    items = [(i, paper["title"], paper["summary"]) for i, paper in enumerate(papers)]
    started = time.process_time()
    for item in items:
        glance_compute(item)
    print(f"whole glance now: {n / (time.process_time() - started):,.0f} papers per CPU-second")


def check(papers: list[dict], *, before: str) -> int:
    """How many papers get other keywords or another summary than at ``before``: a speed-up
    must change no output (0)."""
    old_keywords, old_rule = before_extractors(before)
    differ = 0
    for paper in papers:
        title, abstract = paper["title"], paper["summary"]
        if old_keywords(title, abstract) != keywords_extract(title, abstract) or old_rule(
            abstract, title=title
        ) != contribution_sentence(abstract, title=title):
            differ += 1
    print(f"check against {before}: {differ} of {len(papers)} papers differ")
    return differ


def featured_day(day: str | None, *, before: str | None) -> None:
    if HF_ARCHIVE is None:
        print("no HF daily archive in ../shared: quality check skipped")
        return
    with tarfile.open(HF_ARCHIVE) as archive:
        days = {Path(m.name).stem: m for m in archive if m.name.endswith(".json")}
        chosen = day or next(
            d for d in sorted(days) if len(json.load(archive.extractfile(days[d]))) == 20
        )
        items = json.load(archive.extractfile(days[chosen]))
    ids = {item["paper_url"].rstrip("/").rsplit("/", 1)[-1] for item in items}
    listed = {pid: rec for pid, rec in corpus().items() if pid in ids}
    old = before_extractors(before) if before else None
    print(f"\nfeatured day {chosen}: {len(items)} papers\n")
    print("| # | title | keywords | summary (from the abstract) |")
    print("|---|---|---|---|")
    for index, item in enumerate(items, 1):
        pid = item["paper_url"].rstrip("/").rsplit("/", 1)[-1]
        title = item["title"]
        abstract, source = "", "no abstract"
        if pid in listed:
            abstract, source = listed[pid]["summary"], "arXiv"
        else:
            scraped = item["details"].get("abstract", "")
            if scraped and scraped_text_is_abstract(scraped, title=title):
                abstract, source = scraped, "HF page"
        keywords = ", ".join(keywords_extract(title, abstract)) or NONE
        summary = contribution_sentence(abstract, title=title) or NONE
        print(f"| {index} | {title} ({pid}, {source}) | {keywords} | {summary} |")
        if old:
            old_keywords = ", ".join(old[0](title, abstract)) or NONE  # type: ignore[call-overload]
            print(f"|  | before | {old_keywords} | {old[1](abstract) or NONE} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default=None, help="git revision to compare with (1ce7ad7)")
    parser.add_argument("--day", default=None)
    parser.add_argument(
        "--check", action="store_true", help="only count papers whose output differs from --before"
    )
    args = parser.parse_args()
    require_shared()
    papers = [p for p in corpus(args.papers).values() if p["summary"]][: args.papers]
    if args.check:
        sys.exit(1 if check(papers, before=args.before or "HEAD") else 0)
    speed(papers, rounds=args.rounds, before=args.before)
    featured_day(args.day, before=args.before)


if __name__ == "__main__":
    main()
