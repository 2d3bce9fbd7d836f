"""A search page's rows alone, two checkouts (or two catalogues) side by side.

``papers_by_ids(card_only=True)`` on 20 random ids per call, as a search page reads them: each
side runs in a child process of its own and gets fresh ids every call (ids drawn uniformly from
1..--top, so mostly pages no earlier call read); blocks of calls alternate between the sides,
each side going first as often. Wall and CPU per call: the wall includes the database's side
(its reads and, on PostgreSQL, the round trips to its backend), which the CPU does not.

    .venv/bin/python -m bench.search_rows_ab NAME=CHECKOUT[,VAR=VALUE...] NAME=CHECKOUT[,...]
        [--blocks 10] [--calls 50] [--top 1000000]

Each side runs with this environment plus its own VAR=VALUE pairs (e.g. another DATABASE_URL
and PAPERFEED_DATA_DIR: a copy of the catalogue with or without a schema change). The same
checkout on the same catalogue on both sides gives the noise floor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
import django
django.setup()
from paperfeed.papers.row_selectors import papers_by_ids
papers_by_ids(ids=[1, 2, 3], card_only=True)
for line in sys.stdin:
    out = []
    for ids in json.loads(line):
        c, w = time.process_time(), time.perf_counter()
        papers_by_ids(ids=ids, card_only=True)
        out.append((time.perf_counter() - w, time.process_time() - c))
    print(json.dumps(out), flush=True)
"""


def _side(spec: str) -> tuple[str, subprocess.Popen]:
    name, rest = spec.split("=", 1)
    checkout, *pairs = rest.split(",")
    env = {**os.environ, **dict(p.split("=", 1) for p in pairs), "PYTHONPATH": checkout}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=checkout,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return name, child


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sides", nargs=2)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--top", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sides = dict(_side(spec) for spec in args.sides)
    rng = random.Random(args.seed)
    got: dict[str, list[list[float]]] = {name: [] for name in sides}
    load = [os.getloadavg()[0]]
    for block in range(args.blocks):
        order = list(sides) if block % 2 == 0 else list(reversed(sides))
        for name in order:
            child = sides[name]
            assert child.stdin is not None and child.stdout is not None
            pages = [rng.sample(range(1, args.top + 1), 20) for _ in range(args.calls)]
            child.stdin.write(json.dumps(pages) + "\n")
            child.stdin.flush()
            got[name] += json.loads(child.stdout.readline())
        load.append(os.getloadavg()[0])
    print(
        f"{args.blocks * args.calls} calls of 20 ids per side, {args.blocks} alternating blocks;"
        f" load average {min(load):.1f}-{max(load):.1f}"
    )
    for name, calls in got.items():
        wall, cpu = [c[0] for c in calls], [c[1] for c in calls]
        print(
            f"{name}: wall p50 {_p(wall, 0.5):.2f} / p95 {_p(wall, 0.95):.2f} / p99"
            f" {_p(wall, 0.99):.2f}, mean {sum(wall) / len(wall) * 1000:.2f} ms; CPU p50"
            f" {_p(cpu, 0.5):.2f}, mean {sum(cpu) / len(cpu) * 1000:.2f} ms"
        )
    for child in sides.values():
        assert child.stdin is not None
        child.stdin.close()
        child.wait()


if __name__ == "__main__":
    main()
