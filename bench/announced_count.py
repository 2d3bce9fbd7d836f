"""/papers/new's count of the announced catalogue: its plan now against a table scan, alternating.

    .venv/bin/python -m bench.announced_count var/bench/corpora/sqlite-2.7m.json [--rounds 3]

Runs the count's SQL as ``papers.selectors._announced_count`` sends it, in one process on one
connection (the site's settings), and the same statement with ``NOT INDEXED`` (SQLite), which
forces the table scan SQLite chose before ``paper_announced`` held its condition's columns
(papers/0023). Prints both plans, then wall and CPU time of each run.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path, help="a SQLite catalogue's json (its env)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.update(json.loads(args.catalogue.read_text())["env"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from paperfeed.papers import selectors

    with CaptureQueriesContext(connection) as captured:
        selectors._announced_count()
    now = captured.captured_queries[0]["sql"]
    scan = now.replace('FROM "papers_paper"', 'FROM "papers_paper" NOT INDEXED', 1)
    with connection.cursor() as cursor:
        for label, sql in (("now", now), ("table scan", scan)):
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            print(label, [row[-1] for row in cursor.fetchall()])
        for n in range(args.rounds):
            for label, sql in (("table scan", scan), ("now", now)):
                wall, cpu = time.perf_counter(), time.process_time()
                cursor.execute(sql)
                count = cursor.fetchone()[0]
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(
                    f"round {n + 1} {label}: {count:,} papers, wall {wall * 1000:.0f} ms,"
                    f" CPU {cpu * 1000:.0f} ms, load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
