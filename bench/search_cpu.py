"""CPU per search request, this checkout beside another, on one catalogue, side by side.

Every cache off (result, card and page caches), distinct queries (``bench.search_speed``'s
mix, so no cache could help), each request through Django's whole handler with the test
client, as a gunicorn worker runs it minus the socket. Each checkout runs in a child process of
its own; the rounds alternate between them so a busy machine weighs on both alike, and every
round asks both the same queries, never seen before by either. Time is the child's CPU
(``time.process_time``), so other processes on the machine do not count.

    .venv/bin/python -m bench.search_cpu OTHER [--queries 600] [--rounds 6] [--mode hybrid] \\
        [--signed-in]

OTHER is another checkout of the repository (e.g. ``git archive BASE | tar -x -C /tmp/base``)
that can run against the same catalogue (``PAPERFEED_DATA_DIR`` / ``DATABASE_URL`` as for
``bench.search_speed``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.http import uncached_env

HERE = Path(__file__).resolve().parents[1]

# Run inside each checkout: answers "round N" lines with one JSON line of figures.
CHILD = r"""
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

texts, rounds, mode = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
client = Client()
if sys.argv[4] == "member":
    # Signing in writes a user and a session row: a writable catalogue of your own.
    from django.contrib.auth.models import User
    member, _ = User.objects.get_or_create(username=f"bench-search-member-{os.getpid()}")
    client.force_login(member)
    client.get("/")  # the CSRF cookie a browser holds
warm = texts[-5:]
for text in warm:
    client.get("/search", {"q": text, "mode": mode})
per_round = (len(texts) - len(warm)) // rounds
for line in sys.stdin:
    n = int(line.split()[1])
    times, queries = [], 0
    for text in texts[n * per_round:(n + 1) * per_round]:
        started = time.process_time()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/search", {"q": text, "mode": mode})
        times.append(time.process_time() - started)
        queries += len(captured.captured_queries)
        assert response.status_code == 200, (text, response.status_code)
    print(json.dumps({"times": times, "queries": queries / len(times)}), flush=True)
"""


def _child(
    checkout: Path, texts_file: str, rounds: int, mode: str, reader: str
) -> subprocess.Popen:
    # Every cache off (bench.http's list), so each query is ranked and rendered afresh.
    env = {**os.environ, **uncached_env(), "PYTHONPATH": str(checkout)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, texts_file, str(rounds), mode, reader],
        cwd=checkout,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _summary(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    mean = sum(ordered) / len(ordered)
    return (
        mean * 1000,
        ordered[len(ordered) // 2] * 1000,
        ordered[int(len(ordered) * 0.95)] * 1000,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument(
        "--signed-in",
        action="store_true",
        help="as a signed-in member (writes a user and a session: a catalogue of your own)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from bench.common import table
    from bench.search_speed import queries

    texts = queries(args.queries)
    checkouts = {"this": HERE, "other": args.other.resolve()}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(texts, handle)
        handle.flush()
        children = {
            name: _child(
                path, handle.name, args.rounds, args.mode, "member" if args.signed_in else ""
            )
            for name, path in checkouts.items()
        }
        times: dict[str, list[float]] = {name: [] for name in checkouts}
        counts: dict[str, float] = {}
        for n in range(args.rounds):
            order = list(checkouts) if n % 2 == 0 else list(reversed(checkouts))
            for name in order:
                child = children[name]
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(f"round {n}\n")
                child.stdin.flush()
                figures = json.loads(child.stdout.readline())
                times[name] += figures["times"]
                counts[name] = figures["queries"]
        for child in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait()
    print(
        f"{len(texts)} distinct queries, mode {args.mode}, {args.rounds} alternating rounds,"
        f" {'a signed-in member' if args.signed_in else 'anonymous'};"
        f" load average {os.getloadavg()[0]:.1f}; CPU ms per request (every cache off)"
    )
    rows = []
    for name, path in checkouts.items():
        mean, p50, p95 = _summary(times[name])
        rows.append(
            (f"{name} ({path})", f"{mean:.2f}", f"{p50:.2f}", f"{p95:.2f}", f"{counts[name]:.1f}")
        )
    print(table(rows, ("checkout", "mean", "p50", "p95", "queries/request")))
    ratio = _summary(times["this"])[0] / _summary(times["other"])[0]
    print(f"this / other, mean CPU: {ratio:.2f}")


if __name__ == "__main__":
    main()
