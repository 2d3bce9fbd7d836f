"""What a signed-in page's slow requests wait on, in process: each request's CPU and wall time,
whether it rebuilt a shared body (core/readerslots.py, once per PAPERFEED_PAGE_CACHE_SECONDS
per process with the default per-process cache) and the cyclic GC's pauses during it, over
``--seconds`` of requests in a row (as one busy gunicorn worker serves them), in two checkouts
alternating.

    .venv/bin/python -m bench.signed_in_tail OTHER [--seconds 12] [--rounds 2] PATH ...

A member held in memory on the read-only catalogue (bench/inprocess.py: READ_ONLY_READER).
Prints per checkout and path: requests, CPU p50/p99/max per request, the requests that
rebuilt a body (count, CPU each), the GC collections (count per generation, total and largest
pause), the bytes, and the CPU of 32 requests in a row (median and worst: what the last of wrk's
32 queued requests waits behind). Paths joined by commas are asked in turn (a mix). A worker
at ~300 requests/s that spends 40 ms on one request holds ~12 others behind it: the rebuilds
and the pauses are what the HTTP bench's p99 waits on.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.inprocess import READ_ONLY_READER

HERE = Path(__file__).resolve().parents[1]
QUEUE = 32  # wrk's connections in bench/signed_in.py

CHILD = r"""
import gc, json, os, sys, time
root, seconds = sys.argv[1], float(sys.argv[2])
meta = json.load(open(f"{root}/var/bench/corpora/{os.environ['BENCH_CORPUS']}.json"))
os.environ.update(meta["env"])
os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
sys.path.insert(0, root)
import django
django.setup()
from django.conf import settings
from django.test.utils import override_settings
import paperfeed
print("CODE", paperfeed.__file__)
exec(READ_ONLY_READER)
from paperfeed.core import readerslots
rebuilt = []
original = readerslots.shared_copy
def counting(key, seconds, build):
    def counted():
        rebuilt.append(1)
        return build()
    return original(key, seconds, counted)
readerslots.shared_copy = counting
pauses = []
started_gc = [0.0]
def on_gc(phase, info):
    if phase == "start":
        started_gc[0] = time.perf_counter()
    else:
        pauses.append((info["generation"], time.perf_counter() - started_gc[0]))
gc.callbacks.append(on_gc)
with override_settings(ALLOWED_HOSTS=["*"]):
    for group in sys.argv[3:]:
        paths = group.split(",")
        size = max(len(client.get(path).content) for path in paths)
        for path in paths:
            client.get(path)
        try:  # what a web worker does once warm (paperfeed/wsgi.py), in checkouts that do it
            from paperfeed.core.workergc import settle
        except ImportError:
            pass
        else:
            settle()
        rows = []
        end = time.perf_counter() + seconds
        turn = 0
        while time.perf_counter() < end:
            del rebuilt[:], pauses[:]
            path = paths[turn % len(paths)]
            turn += 1
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(path)
            rows.append((time.process_time() - cpu, time.perf_counter() - wall, len(rebuilt),
                         list(pauses)))
        print(json.dumps([group, size, rows]))
"""


def measure(root: Path, paths: list[str], seconds: float, corpus: str) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DATABASE"))}
    code = f"READ_ONLY_READER = {READ_ONLY_READER!r}\n{CHILD}"
    out = subprocess.run(
        [sys.executable, "-c", code, str(root), str(seconds), *paths],
        capture_output=True,
        text=True,
        check=True,
        env={**env, "BENCH_CORPUS": corpus},
    ).stdout
    code_of = next(line.split()[1] for line in out.splitlines() if line.startswith("CODE "))
    if not code_of.startswith(str(root.resolve())):
        raise SystemExit(f"{root}: the child ran the code of {code_of}")
    found = {}
    for line in out.splitlines():
        if line.startswith("["):
            path, size, rows = json.loads(line)
            found[path] = summary(size, rows)
    return found


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def summary(size: int, rows: list) -> dict:
    cpu = [r[0] * 1000 for r in rows]
    wall = [r[1] * 1000 for r in rows]
    rebuilds = [r[0] * 1000 for r in rows if r[2]]
    plain = [r[0] * 1000 for r in rows if not r[2] and not r[3]]
    pauses = [(g, s * 1000) for r in rows for g, s in r[3]]
    by_gen = [sum(1 for g, _ in pauses if g == n) for n in range(3)]
    # What the last of 32 queued requests waits for: the most CPU any 32 requests in a row took.
    window = max(sum(cpu[i : i + QUEUE]) for i in range(max(1, len(cpu) - QUEUE + 1)))
    return {
        "bytes": size,
        "requests": len(rows),
        "cpu_p50": _pct(cpu, 0.5),
        "cpu_p99": _pct(cpu, 0.99),
        "cpu_max": max(cpu),
        "wall_p99": _pct(wall, 0.99),
        "plain_p50": _pct(plain, 0.5),
        "rebuilds": len(rebuilds),
        "rebuild_ms": sorted(rebuilds),
        "gc": by_gen,
        "gc_ms": sum(s for _, s in pauses),
        "gc_max_ms": max((s for _, s in pauses), default=0.0),
        "gc2_ms": sorted(s for g, s in pauses if g == 2),
        "window_ms": window,
        "window_median_ms": _pct(
            [sum(cpu[i : i + QUEUE]) for i in range(0, max(1, len(cpu) - QUEUE + 1), QUEUE)], 0.5
        ),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. /tmp/base-s45)")
    parser.add_argument("paths", nargs="+", help="a path, or paths joined by commas (in turn)")
    parser.add_argument("--corpus", default="1m")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_intermixed_args(argv)
    corpus = f"sqlite-{args.corpus}"
    for _ in range(args.rounds):
        for root in (args.other, HERE):
            for path, s in measure(root, args.paths, args.seconds, corpus).items():
                name = path if "," not in path else f"{path.count(',') + 1} paths in turn"
                print(
                    f"{root.name:>10} {name}: {s['requests']} req, {s['bytes'] // 1024} KB, CPU"
                    f" p50 {s['cpu_p50']:.2f} (plain {s['plain_p50']:.2f}) p99 {s['cpu_p99']:.2f}"
                    f" max {s['cpu_max']:.1f} ms, wall p99 {s['wall_p99']:.2f};"
                    f" rebuilds {s['rebuilds']} at"
                    f" {', '.join(f'{x:.1f}' for x in s['rebuild_ms'][:6])} ms;"
                    f" gc {s['gc']} {s['gc_ms']:.1f} ms (max {s['gc_max_ms']:.1f};"
                    f" gen2 {', '.join(f'{x:.1f}' for x in s['gc2_ms'][:6])});"
                    f" {QUEUE} requests in a row: median {s['window_median_ms']:.0f},"
                    f" worst {s['window_ms']:.0f} ms CPU",
                    flush=True,
                )
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
