"""What a member's shared body costs to read per request from each cache backend, beside what
its rebuilds cost per request on the default per-process cache (issue #20, step 4).

core/caching.shared_copy keeps each body once per PAPERFEED_PAGE_CACHE_SECONDS in the default
cache. Per process (locmem, the default) every worker builds every body once per interval;
with a shared cache (``PAPERFEED_CACHE=database``, or Redis) one worker builds it for all, but
every request then reads the body from the database instead of from the process's memory.
This measures that read (CPU and wall per ``copy_lookup``, the body a list of pieces as
``readerslots.split`` keeps it) on locmem, the database cache on SQLite (a temporary file) and
on PostgreSQL (``--postgres URL``: a table ``bench_body_cache`` in that database, dropped
after), and prints the break-even: the rebuild cost per request that the shared cache must
save to win.

    .venv/bin/python -m bench.body_cache [--kb 11 57 158] [--reads 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from bench.common import REPO

CHILD = r"""
import json, os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
import django
django.setup()
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import connection
kind, reads = sys.argv[1], int(sys.argv[2])
sizes = [int(kb) for kb in sys.argv[3:]]
if kind == "locmem":
    cache = LocMemCache("bench-body", {})
else:
    cache = DatabaseCache("bench_body_cache", {})
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_body_cache")
    call_command("createcachetable", "bench_body_cache", verbosity=0)
import paperfeed.core.caching as caching
caching.cache = cache  # copy_lookup/copy_store read the module's cache
out = {}
for kb in sizes:
    # A body as readerslots.split keeps it: text, kind, args, … (one card slot per ~3 KB).
    card = "<li class=\"paper-entry\">" + "x" * 3000 + "</li>"
    cards = max(1, kb * 1024 // len(card))
    pieces = ["<html>" + "y" * 2000]
    for n in range(cards):
        pieces += ["card", f"{n}:3:4", card]
    pieces += ["menu", "", "</html>"]
    key = f"members:bench:{kb}"
    caching.copy_store(key, (200, "text/html", pieces), 60)
    for _ in range(20):
        caching.copy_lookup(key)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(reads):
        value, rebuild = caching.copy_lookup(key)
    cpu, wall = (time.process_time() - cpu) / reads, (time.perf_counter() - wall) / reads
    assert value[2] == pieces and not rebuild
    out[kb] = [cpu * 1000, wall * 1000]
if kind != "locmem":
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_body_cache")
print("RESULT " + json.dumps(out))
"""


def run(kind: str, database_url: str, reads: int, sizes: list[int]) -> dict[str, list[float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DATABASE"))}
    env["DATABASE_URL"] = database_url
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(reads), *map(str, sizes)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=env,
    ).stdout
    return json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT ")))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=int, nargs="+", default=[11, 57, 158])
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--postgres", help="a PostgreSQL database URL you may write a table to")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{tmp}/body-cache.sqlite3"
        backends = [("locmem", sqlite_url), ("database (SQLite)", sqlite_url)]
        if args.postgres:
            backends.append(("database (PostgreSQL)", args.postgres))
        best: dict[str, dict[str, list[float]]] = {}
        for _ in range(args.rounds):  # alternating, best of the rounds
            for label, url in backends:
                kind = "locmem" if label == "locmem" else "database"
                found = run(kind, url, args.reads, args.kb)
                for kb, (cpu, wall) in found.items():
                    kept = best.setdefault(label, {}).get(kb)
                    if kept is None or cpu < kept[0]:
                        best[label][kb] = [cpu, wall]
    print(f"load average after the run: {os.getloadavg()}")
    print("| body | " + " | ".join(label for label, _ in backends) + " |")
    print("|---|" + "---|" * len(backends))
    for kb in args.kb:
        cells = [
            f"{best[label][str(kb)][0]:.3f} ms CPU ({best[label][str(kb)][1]:.3f} wall)"
            for label, _ in backends
        ]
        print(f"| {kb} KB | " + " | ".join(cells) + " |")
    print(
        "A shared cache wins when the rebuilds it saves per request (on the per-process cache: "
        "bodies x (workers - 1) x build ms / (interval s x req/s)) exceed its extra read cost."
    )


if __name__ == "__main__":
    main()
