"""What a member's kept list body costs when its interval is over, in process, two checkouts
side by side: a request that fills a fresh kept body against one that finds it stale (so it
rebuilds it, or renews it where the checkout can: core/readerslots.py).

    .venv/bin/python -m bench.list_renewal OTHER [--backend postgres] [--requests 60]
        [--rounds 3] [PATH ...]

Each checkout runs in a child process of its own with the catalogue of
``var/bench/corpora/<backend>-<corpus>.json`` opened read-only and a member held in memory
(bench/inprocess.py: READ_ONLY_READER), rounds alternating, bodies fresh for an hour
(``PAPERFEED_PAGE_CACHE_SECONDS=3600``) and the cards cache warm, as on a running site. Per
path: the worker's CPU (and on PostgreSQL the server backend's) for a request filling a fresh
body, then for a request whose kept body was just made stale (its copy in the process's cache
given a past freshness, the host's shared file's copy removed), and how many of those stale
requests built the body again (``readerslots.shared_build`` entered) rather than renewing it.
``stale - fresh`` is what one interval's end costs the host for that list.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.inprocess import READ_ONLY_READER, SIGNED_IN_PATHS

HERE = Path(__file__).resolve().parents[1]
# The five lists the signed-in benches read (SIGNED_IN_PATHS then names a search and a paper page).
LISTS = SIGNED_IN_PATHS[:5]

CHILD = r"""
import hashlib, json, os, sys, time
root, backend, corpus, requests = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
meta = json.load(open(f"{root}/var/bench/corpora/{backend}-{corpus}.json"))
os.environ.update(meta["env"])
os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
os.environ["PAPERFEED_PAGE_CACHE_SECONDS"] = "3600"
sys.path.insert(0, root)
import django
django.setup()
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import override_settings
from paperfeed.core import readerslots
exec(os.environ["BENCH_READER"])
TICK = os.sysconf("SC_CLK_TCK")
builds = [0]
entered = readerslots.shared_build
def counted():
    builds[0] += 1
    return entered()
readerslots.shared_build = counted
def cpu(pid):
    if pid is None:
        return 0.0
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK
def body_key(path):
    digest = hashlib.sha256(path.encode()).hexdigest()
    found = [key for key in cache._cache if "members:" in key and key.endswith(digest)]
    assert len(found) == 1, (path, found)
    return found[0].split(":", 2)[2]  # the key as made by make_key(":1:" prefix)
def make_stale(key):
    hit = cache.get(key)
    cache.set(key, type(hit)(0.0, hit.value), 600)
    if "bodies" in settings.CACHES:
        caches["bodies"].delete(key)
with override_settings(ALLOWED_HOSTS=["*"]):
    for path in sys.argv[5:]:
        first = client.get(path)
        assert first.status_code == 200 and b"Sign out" in first.content, (path, first.status_code)
        client.get(path)
        key = body_key(path)
        pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
        counted_q = [0]
        def count(execute, sql, params, many, context):
            counted_q[0] += 1
            return execute(sql, params, many, context)
        out = {}
        for kind in ("fresh", "stale", "fresh", "stale"):
            worker = server = 0.0
            queries, builds[0] = counted_q[0], 0
            for _ in range(requests):
                if kind == "stale":
                    make_stale(key)
                s0, w0 = cpu(pid), time.process_time()
                with connection.execute_wrapper(count):
                    client.get(path)
                worker += time.process_time() - w0
                server += cpu(pid) - s0
            got = out.setdefault(kind, [0.0, 0.0, 0, 0])
            got[0] += worker * 1000 / requests / 2
            got[1] += server * 1000 / requests / 2
            got[2] += builds[0]
            got[3] += counted_q[0] - queries
        print(json.dumps([path, out, 2 * requests]))
"""


def run(root: str, backend: str, corpus: str, requests: int, paths: list[str]) -> list[list]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, root, backend, corpus, str(requests), *paths],
        env={**os.environ, "BENCH_READER": READ_ONLY_READER},
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("[")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("other", help="the other checkout (its var/bench/corpora linked)")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--corpus", default="1m")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_intermixed_args(argv)
    checkouts = {"other": str(Path(args.other).resolve()), "this": str(HERE)}
    for round_ in range(1, args.rounds + 1):
        for name, root in checkouts.items():
            load = os.getloadavg()[0]
            for path, out, asked in run(
                root, args.backend, args.corpus, args.requests, args.paths or list(LISTS)
            ):
                fresh, stale = out["fresh"], out["stale"]
                print(
                    f"round {round_} {name:5} load {load:4.1f}  {path:24}"
                    f"  fresh {fresh[0]:5.2f} + {fresh[1]:4.2f} ms"
                    f"  stale {stale[0]:6.2f} + {stale[1]:5.2f} ms ({stale[3] / asked:4.1f} q)"
                    f"  stale - fresh {stale[0] - fresh[0]:6.2f} + {stale[1] - fresh[1]:5.2f} ms"
                    f"  built {stale[2]}/{asked}",
                    flush=True,
                )


if __name__ == "__main__":
    main(sys.argv[1:])
