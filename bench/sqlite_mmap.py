"""What SQLite's memory map (``PAPERFEED_SQLITE_MMAP_MB``) costs or saves per page, in process.

One process, one connection, the member ``bench-reader`` (bench/inprocess.py: READER) reading
the signed-in pages and distinct searches (result cache off); between rounds the connection's
``mmap_size`` changes, so every value is measured in alternating rounds on the same warm
process. Prints the CPU per request of each path for each value (best round), and with
``--heap`` where the process's own heap sits afterwards (tracemalloc, by file).

    .venv/bin/python -m bench.sqlite_mmap [--corpus 2.7m] [--values 0,16,64] [--rounds 3] [--heap]

The catalogue is written to once (the member and its votes): use your own copy of a shared one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench.common import table
from bench.inprocess import READER, SIGNED_IN_PATHS

HERE = Path(__file__).resolve().parents[1]
SEARCH_WORDS = (
    "graph neural",
    "language model agents",
    "protein folding",
    "robot grasping",
    "quantum error",
    "image segmentation",
    "speech recognition",
    "causal inference",
)


def _rss_mb() -> tuple[float, float, float]:
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["RssAnon"], found["RssFile"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="2.7m")
    parser.add_argument("--values", default="0,16,64", help="mmap sizes in MB, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=4, help="requests per path per round")
    parser.add_argument("--heap", action="store_true", help="then a tracemalloc snapshot")
    args = parser.parse_args(argv)
    meta = json.loads((HERE / f"var/bench/corpora/sqlite-{args.corpus}.json").read_text())
    os.environ.update(meta["env"])
    os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
    os.environ["PAPERFEED_SEARCH_CACHE_SECONDS"] = "0"
    import django

    stages = [("python + this bench", _rss_mb())]
    django.setup()
    stages.append(("django.setup()", _rss_mb()))
    from django.db import connection
    from django.test.utils import override_settings

    scope: dict = {}
    exec(READER, scope)  # noqa: S102 - the bench's own set-up code (bench/inprocess.py)
    client = scope["client"]
    values = [int(v) for v in args.values.split(",")]
    paths = list(SIGNED_IN_PATHS)
    best: dict[tuple[int, str], float] = {}
    searches: dict[int, list[float]] = {v: [] for v in values}
    serial = 0
    with override_settings(ALLOWED_HOSTS=["*"]):
        for path in paths:
            client.get(path)
        stages.append(("each path served once (views, templates, index open)", _rss_mb()))
        for _ in range(args.rounds):
            for value in values:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA mmap_size={value * 1024 * 1024}")
                for path in paths:
                    started = time.process_time()
                    for _ in range(args.reps):
                        client.get(path)
                    spent = (time.process_time() - started) / args.reps
                    best[value, path] = min(best.get((value, path), spent), spent)
                # Distinct searches: no cache of any kind helps.
                started = time.process_time()
                for words in SEARCH_WORDS:
                    serial += 1
                    client.get(f"/search?q={words.replace(' ', '+')}+{serial}")
                searches[value].append((time.process_time() - started) / len(SEARCH_WORDS))
    rows = [(path, *(f"{best[value, path] * 1000:.1f}" for value in values)) for path in paths]
    rows.append(
        (
            "distinct searches (mean of best round)",
            *(f"{min(searches[value]) * 1000:.1f}" for value in values),
        )
    )
    total = [sum(best[value, path] for path in paths) for value in values]
    rows.append(("sum of the pages", *(f"{t * 1000:.1f}" for t in total)))
    print(f"load average {os.getloadavg()[0]:.1f}; ms of CPU per request, best of {args.rounds}")
    print(table(rows, ("path", *(f"mmap {v} MB" for v in values))))
    stages.append((f"after {args.rounds} rounds", _rss_mb()))
    print("this process (MB): RSS, heap (RssAnon), mapped files (RssFile)")
    for label, (rss, anon, mapped) in stages:
        print(f"  {rss:5.0f} {anon:5.0f} {mapped:5.0f}  {label}")
    if args.heap:
        import tracemalloc

        tracemalloc.start(1)
        with override_settings(ALLOWED_HOSTS=["*"]):
            for path in paths:
                client.get(path)
        snapshot = tracemalloc.take_snapshot()
        print("Python heap allocated while serving each path once more, by file (top 15):")
        for stat in snapshot.statistics("filename")[:15]:
            print(f"  {stat.size / 1024:8.0f} KB  {stat.traceback[0].filename}")


if __name__ == "__main__":
    main(sys.argv[1:])
