"""What a trending list scored on the fly costs (a replay, ``?as_of``, or a site before its
first recompute), first and again: the first call computes the window's ranking, the later
pages read the kept copy (trending/selectors._ranking). Each checkout runs in a fresh process,
checkouts alternating, on a catalogue's json (its env); CPU by ``time.process_time()``.

    .venv/bin/python -m bench.trending_kept var/bench/corpora/sqlite-1m.json \
        [--against COMMIT ...] [--rounds 4] [--day 2026-08-20]

The answers (total and first ids) must be the same for every checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.common import REPO, export_commit, table

CHILD = r"""
import json, os, sys, time
from datetime import date
root, meta, day = sys.argv[1], json.load(open(sys.argv[2])), date.fromisoformat(sys.argv[3])
os.environ.update(meta["env"])
os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
sys.path.insert(0, root)
import django
django.setup()
from django.core.cache import cache
from paperfeed.trending.selectors import trending_papers
cache.clear()
start = time.process_time()
first = trending_papers(window="week", as_of=day)
computed = time.process_time() - start
again = []
for offset in (0, 50, 100, 0, 50):
    start = time.process_time()
    trending_papers(window="week", as_of=day, offset=offset)
    again.append(time.process_time() - start)
print(json.dumps({"first_ms": computed * 1000, "again_ms": sorted(again)[2] * 1000,
                  "answer": [first.total, [row.paper.pk for row in first.rows[:10]]]}))
"""


def run(root: Path, catalogue: Path, day: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(catalogue), day],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path, help="a catalogue's json (its env is used)")
    parser.add_argument("--against", nargs="*", default=[], help="other commits, alternated")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--day", default="2026-08-20", help="the replayed day")
    args = parser.parse_args(argv)
    roots = {"this tree": REPO, **{c: export_commit(c) for c in args.against}}
    found: dict[str, list[dict]] = {name: [] for name in roots}
    load = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, root in roots.items():
            found[name].append(run(root, args.catalogue.resolve(), args.day))
    load.append(os.getloadavg()[0])
    answers = {json.dumps(result["answer"]) for runs in found.values() for result in runs}
    rows = [
        (
            name,
            " / ".join(f"{r['first_ms']:.1f}" for r in runs),
            " / ".join(f"{r['again_ms']:.1f}" for r in runs),
            f"{statistics.median(r['again_ms'] for r in runs):.1f}",
        )
        for name, runs in found.items()
    ]
    print(f"{args.rounds} alternating rounds, load {load[0]:.1f} -> {load[1]:.1f}; CPU ms")
    print(table(rows, ("checkout", "first call", "a later page (median of 5)", "median")))
    print("answers identical" if len(answers) == 1 else f"ANSWERS DIFFER: {len(answers)} kinds")


if __name__ == "__main__":
    main()
