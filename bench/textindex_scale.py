"""The search engine alone at arXiv scale: build a tantivy index of N papers and query it.

The index holds the real catalogue's papers repeated as the scaled catalogues repeat them
(``bench/corpus.py``: copy k gets new ids and is moved back k * 360 days), built with
paperfeed's own schema and writer (``textindex.write_entries``), without waiting for an
N-paper database. Reports the build speed (papers per wall second and per CPU second), then
each of the distinct queries of ``bench/search_speed.py`` through ``textindex.search`` with
and without the count, p50 / p95 / p99 of wall and CPU time.

    PAPERFEED_DATA_DIR=var/bench/corpora/sqlite-real \\
    DATABASE_URL=sqlite:///var/bench/corpora/sqlite-real/pf.sqlite3 \\
        .venv/bin/python -m bench.textindex_scale --papers 2700000 [--queries 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import table

SHIFT_DAYS = 360


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _stats(values: list[float]) -> list[str]:
    ordered = sorted(values)
    n = len(ordered)
    return [f"{ordered[int(n * q)] * 1000:.2f}" for q in (0.5, 0.95, 0.99)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=2_700_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--keep", help="build here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from bench.search_speed import queries
    from paperfeed.papers import querysyntax, textindex, textindex_build

    real = list(textindex_build.entries())
    top = max(entry.paper_id for entry in real)

    def scaled():
        made = 0
        copy = 0
        while made < args.papers:
            for entry in real:
                if made == args.papers:
                    return
                yield replace(
                    entry,
                    paper_id=entry.paper_id + copy * (top + 1),
                    published=entry.published - SHIFT_DAYS * copy * 86_400,
                )
                made += 1
            copy += 1

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pf-textindex-"))
    try:
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), _cpu()
        root, index = textindex.new_build(base)
        count = textindex.write_entries(index, scaled(), replace=False)
        wall, cpu = time.perf_counter() - started, _cpu() - cpu
        size = sum(path.stat().st_size for path in root.iterdir() if path.is_file())
        print(
            f"index of {count:,} papers ({len(real):,} real ones repeated): {wall:.0f} s, "
            f"{count / wall:,.0f} papers/s wall, {count / cpu:,.0f} papers per CPU-second "
            f"(2 writer threads), {size / count:,.0f} bytes/paper on disk; load average "
            f"{load:.1f} -> {os.getloadavg()[0]:.1f}"
        )
        index.reload()
        parsed = [querysyntax.parse_query(text) for text in queries(args.queries)]
        times: dict[str, tuple[list[float], list[float]]] = {
            "engine with count": ([], []),
            "engine, no count": ([], []),
        }
        for query in parsed:
            if query.is_empty:
                continue
            for label, counted in (("engine with count", True), ("engine, no count", False)):
                started, cpu = time.perf_counter(), time.process_time()
                textindex.search(
                    index,
                    terms=query.terms,
                    phrases=query.phrases,
                    author_terms=query.author_terms,
                    categories=query.categories,
                    years=query.years,
                    by_date=query.sort == "date",
                    limit=20,
                    count=counted,
                )
                times[label][1].append(time.process_time() - cpu)
                times[label][0].append(time.perf_counter() - started)
        rows = [(label, *_stats(w), *_stats(c)) for label, (w, c) in times.items()]
        print(f"{len(parsed)} distinct queries, top 20; ms; load average {os.getloadavg()[0]:.1f}")
        headers = ("", "wall p50", "wall p95", "wall p99", "CPU p50", "CPU p95", "CPU p99")
        print(table(rows, headers))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
