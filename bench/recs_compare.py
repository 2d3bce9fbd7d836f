"""``bench.recs_scale compare``: ``serve`` in child processes, alternating between an exported
checkout and this one, each round's pair printed beside the pooled percentiles (see
bench/recs_scale.py for the set-up and the figures each ``serve`` writes)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def compare(args: argparse.Namespace) -> None:
    """``serve`` in child processes, alternating between ``--base`` (an exported checkout) and
    this one, ``--rounds`` times with distinct readers each round (the same for both)."""
    base, here = Path(args.base).resolve(), Path(__file__).resolve().parents[1]
    runs: dict[str, dict[str, list[float]]] = {"base": {}, "this": {}}
    loads: list[float] = []
    # round -> side -> (page CPU p50 with the server's, the server's alone (0 on SQLite), load)
    pairs: dict[int, dict[str, tuple[float, float, list[float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.rounds):
            order = [("base", base), ("this", here)]
            for label, code in order if number % 2 == 0 else order[::-1]:
                out = Path(tmp) / f"{label}-{number}.json"
                command = [sys.executable, "-m", "bench.recs_scale", "serve", "--code", str(code)]
                command += ["--corpus", args.corpus, "--readers", str(args.readers)]
                command += ["--seed", str(100 + number), "--json", str(out)]
                subprocess.run(command, cwd=here, check=True, capture_output=True)
                found = json.loads(out.read_text())
                loads += found.pop("load")
                page = found["page"]
                server = page[2] if len(page) > 2 else [0.0] * len(page[1])
                cost = [a + b for a, b in zip(page[1], server, strict=True)]
                pairs.setdefault(number, {})[label] = (
                    float(np.median(cost)),
                    float(np.median(server)),
                    loads[-2:],
                )
                for name, (wall, cpu, *server) in found.items():
                    runs[label].setdefault(f"{name} wall", []).extend(wall)
                    runs[label].setdefault(f"{name} CPU", []).extend(cpu)
                    if server and any(server[0]) and name != "ranking":
                        # The database server's CPU too (PostgreSQL: both sides run this bench).
                        both = [a + b for a, b in zip(cpu, server[0], strict=True)]
                        runs[label].setdefault(f"{name} DB", []).extend(server[0])
                        runs[label].setdefault(f"{name} CPU+DB", []).extend(both)
    print(
        f"/papers/for-you, {args.rounds} rounds x {args.readers} distinct members, alternating "
        f"{base.name} (base) and this checkout; load average {min(loads):.1f}-{max(loads):.1f}"
    )
    print("| ms | base p50 / p95 / p99 | this p50 / p95 / p99 | p95 this/base |")
    print("|---|---|---|---|")
    for key, before in runs["base"].items():
        after = runs["this"][key]
        a = [float(np.percentile(before, q)) for q in (50, 95, 99)]
        b = [float(np.percentile(after, q)) for q in (50, 95, 99)]
        print(
            f"| {key} | {' / '.join(f'{v:.1f}' for v in a)} | {' / '.join(f'{v:.1f}' for v in b)}"
            f" | {b[1] / a[1]:.2f} |"
        )
    # The machine is shared: each round's pair is the honest unit, not the pooled figures alone.
    for number, sides in sorted(pairs.items()):
        (before, db_a, load_a), (after, db_b, load_b) = sides["base"], sides["this"]
        print(
            f"  round {number}: page CPU(+DB) p50 base {before:.1f}, this {after:.1f} ms, "
            f"this/base {after / before:.2f}; DB p50 base {db_a:.2f}, this {db_b:.2f} ms; load "
            f"{min(load_a + load_b):.1f}-{max(load_a + load_b):.1f}"
        )
