"""Speed of similar papers and search by meaning on the imported catalogue.

1. A full neighbour build (``paperfeed similar build --full``) in its own process: wall time and
   peak RSS.
2. In this process, playing the web worker: similar-papers lookups (the selector a page and the
   API call), whole paper pages through Django's test client, semantic and hybrid queries; then
   the peak RSS of this process with the index loaded.

Usage (after importing the corpus into that data dir)::

    PAPERFEED_DATA_DIR=var/dev-similar .venv/bin/python -m bench.similar_speed [--no-build]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5) * 1000:.2f} ms, p95 {percentile(values, 0.95) * 1000:.2f}"
        f" ms, p99 {percentile(values, 0.99) * 1000:.2f} ms (n={len(values)})"
    )


def build() -> None:
    started = time.monotonic()
    completed = subprocess.run(
        # ``-m paperfeed`` runs this checkout's code; the venv's console script may belong to
        # another checkout sharing the venv.
        [sys.executable, "-m", "paperfeed", "similar", "build", "--full"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024
    print(completed.stdout.strip() or completed.stderr.strip()[-2000:])
    for line in completed.stderr.splitlines():
        if "phases" in line:
            print("  " + line.split("similar papers: ", 1)[-1])
    # CPU time says what the build costs when other processes share the cores (wall time
    # then measures the machine's load as much as the build).
    print(
        f"full build: {seconds:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU, "
        f"load average {os.getloadavg()[0]:.1f}, peak RSS {peak:.0f} MB (build process)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="use the index as it is")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    os.environ.setdefault("PAPERFEED_PAGE_CACHE_SECONDS", "0")
    if not args.no_build:
        build()
    import django

    django.setup()
    from django.test import Client

    from paperfeed.papers.models import Paper
    from paperfeed.papers.search_selectors import search_papers
    from paperfeed.papers.similar import selectors

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rng = random.Random(8)
    ids = list(Paper.objects.values_list("id", flat=True))
    papers = {p.pk: p for p in Paper.objects.filter(pk__in=rng.sample(ids, args.lookups))}
    lookups = []
    lookups_cpu = []
    for paper in papers.values():
        started, started_cpu = time.perf_counter(), time.process_time()
        found = selectors.similar_papers(paper=paper, limit=10)
        lookups.append(time.perf_counter() - started)
        lookups_cpu.append(time.process_time() - started_cpu)
        assert found, f"no neighbours for {paper.arxiv_id}"
    print(f"similar-papers lookup (selector, 10 papers with authors): {ms(lookups)}")
    # On a busy machine the wall time is mostly waiting for a core; the CPU time is what one
    # lookup costs (SQLite runs in this process; a PostgreSQL server's share is not in it).
    print(f"  the same lookups in CPU time of this process: {ms(lookups_cpu)}")
    print(f"  load average {os.getloadavg()[0]:.1f}")
    client = Client()
    pages = []
    for paper in list(papers.values())[:200]:
        started = time.perf_counter()
        response = client.get(f"/papers/{paper.arxiv_id}")
        pages.append(time.perf_counter() - started)
        assert response.status_code == 200 and b"similar-list" in response.content
    print(f"whole paper page with similar papers: {ms(pages)}")
    titles = [p.title for p in list(papers.values())[: args.queries]]
    queries = [" ".join(rng.sample(t.split(), k=min(4, len(t.split())))) for t in titles]
    for mode in ("keyword", "semantic", "hybrid"):
        timings = []
        for query in queries:
            started = time.perf_counter()
            search_papers(query=query, limit=20, mode=mode)
            timings.append(time.perf_counter() - started)
        print(f"{mode} query (search_papers, 20 results): {ms(timings)}")
    started = time.perf_counter()
    search_papers(query="graph " * 2000, limit=20, mode="hybrid")
    print(f"a 10 kB hybrid query: {(time.perf_counter() - started) * 1000:.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    parts = ", ".join(
        f"{key} {status[key].strip()}" for key in ("RssAnon", "RssFile") if key in status
    )
    print(
        f"web worker peak RSS with the index loaded: {peak:.0f} MB "
        f"({rss_before:.0f} MB after Django start-up; now {parts}: file pages are the memory-"
        "mapped index and SQLite's mmap, shared and reclaimable)"
    )


if __name__ == "__main__":
    main()
