"""CPU time per request of the same paths in two checkouts, every cache off, side by side.

    .venv/bin/python -m bench.inprocess OTHER_CHECKOUT [--rounds 4] [--reps 12] [PATH ...]

Each checkout serves its own 10k bench catalogue (``var/bench/corpora/sqlite-10k``, built by
``python -m bench.corpus 10k`` with that checkout's code) through Django's test client, in a
child process of its own; the rounds alternate between the two checkouts so a busy machine
weighs on both alike. Time is CPU time (``time.process_time``), best of ``reps`` batches of 4
requests: wall time on a shared machine measures the neighbours. Prints, per path, both times,
the query counts, the bytes, and the ratio this/other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PATHS = (
    "/papers",
    "/papers/new",
    "/papers/trending",
    "/search?q=diffusion+model",
    "/papers/2503.13531",
    "/feeds/daily.rss",
    "/api/daily_papers",
    "/api/daily_papers?date=2025-03-18",
)

CHILD = r"""
import json, os, sys, time
root = sys.argv[1]
meta = json.load(open(f"{root}/var/bench/corpora/sqlite-10k.json"))
os.environ.update(meta["env"])
for kind in ("PAGE", "FEED", "COUNT", "SEARCH"):
    os.environ[f"PAPERFEED_{kind}_CACHE_SECONDS"] = "0"
os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
sys.path.insert(0, root)
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
reps = int(sys.argv[2])
client = Client()
with override_settings(ALLOWED_HOSTS=["*"]):
    for path in sys.argv[3:]:
        first = client.get(path)
        settings.DEBUG = True
        client.get(path)
        queries = len(connection.queries)
        settings.DEBUG = False
        best = float("inf")
        for _ in range(reps):
            started = time.process_time()
            for _ in range(4):
                client.get(path)
            best = min(best, (time.process_time() - started) / 4)
        print(json.dumps([path, first.status_code, best * 1000, queries, len(first.content)]))
"""


def measure(root: Path, paths: list[str], reps: int) -> dict[str, tuple[int, float, int, int]]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(reps), *paths],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DATABASE"))},
    ).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("[")]
    return {path: (status, ms, queries, size) for path, status, ms, queries, size in rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a git worktree)")
    parser.add_argument("paths", nargs="*", default=list(PATHS))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--reps", type=int, default=12)
    args = parser.parse_intermixed_args(argv)
    for root in (HERE, args.other):
        if not (root / "var/bench/corpora/sqlite-10k.json").exists():
            parser.error(f"{root}: no 10k catalogue; run `python -m bench.corpus 10k` there")
    best: dict[tuple[Path, str], tuple[int, float, int, int]] = {}
    for _ in range(args.rounds):
        for root in (args.other, HERE):
            for path, found in measure(root, args.paths, args.reps).items():
                key = (root, path)
                if key not in best or found[1] < best[key][1]:
                    best[key] = found
    print(f"| path | other ({args.other.name}) | this | this/other |")
    print("|---|---|---|---|")
    for path in args.paths:
        a, b = best[(args.other, path)], best[(HERE, path)]
        print(
            f"| `{path}` | {a[1]:.1f} ms, {a[2]} q, {a[3] // 1024} KB "
            f"| {b[1]:.1f} ms, {b[2]} q, {b[3] // 1024} KB | {b[1] / a[1]:.2f} |"
        )


if __name__ == "__main__":
    main()
