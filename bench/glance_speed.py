"""Keywords and one-line summaries: papers per second on the real corpus, and the 20 papers of
one real featured day side by side (the quality check).

    .venv/bin/python -m bench.glance_speed [--papers N] [--day YYYY-MM-DD]

CPU time is reported beside wall time: on a shared machine the wall clock measures the
neighbours. The import rate to keep up with is that of `paperfeed ingest` in the same run's
corpus build (bench/corpus.py prints it).
"""

from __future__ import annotations

import argparse
import json
import tarfile
import time
from pathlib import Path

from bench.common import DAILY_ARCHIVE, SHARED, require_shared
from paperfeed.papers.glance.contribution import contribution_sentence
from paperfeed.papers.glance.keywords import keywords_extract

HF_ARCHIVE = next((SHARED / "data/hf_daily_papers").glob("*.tar.xz"), None)


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


def speed(papers: list[dict]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    for paper in papers:
        keywords_extract(paper["title"], paper["summary"])
    kw_wall, kw_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    found = sum(1 for paper in papers if contribution_sentence(paper["summary"]))
    rule_cpu = time.process_time() - cpu
    n = len(papers)
    print(
        f"keywords: {n} papers, {n / kw_cpu:.1f} papers per CPU-second "
        f"({n / kw_wall:.1f}/s wall on one process)"
    )
    print(
        f"summary rule: {n / rule_cpu:.0f} papers per CPU-second; "
        f"{found / n:.1%} of abstracts state a contribution the rule finds"
    )


def featured_day(day: str | None) -> None:
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
    abstracts = {pid: rec for pid, rec in corpus().items() if pid in ids}
    print(f"\nfeatured day {chosen}: {len(items)} papers\n")
    for index, item in enumerate(items, 1):
        pid = item["paper_url"].rstrip("/").rsplit("/", 1)[-1]
        record = abstracts.get(pid)
        abstract = record["summary"] if record else item["details"].get("abstract", "")
        source = "arXiv listing" if record else "HF page"
        print(f"{index}. {item['title']} ({pid}, abstract from {source})")
        print(f"   keywords: {', '.join(keywords_extract(item['title'], abstract)) or '-'}")
        print(f"   summary:  {contribution_sentence(abstract) or '-'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--day", default=None)
    args = parser.parse_args()
    require_shared()
    papers = list(corpus(args.papers).values())[: args.papers]
    speed(papers)
    featured_day(args.day)


if __name__ == "__main__":
    main()
