"""What a member's page costs the database as well as the worker, in process, two checkouts
side by side: per request, the queries, the worker's CPU and (on PostgreSQL) the CPU of the
server backend that answered them, read from ``/proc/<backend pid>/stat``.

    .venv/bin/python -m bench.signed_in_db OTHER [--backend postgres] [--requests 300]
        [--rounds 3] [PATH ...]
    .venv/bin/python -m bench.signed_in_db --toggle [--setting PAPERFEED_MEMBER_PATH] [PATH ...]

Each checkout runs in a child process of its own with the catalogue of
``var/bench/corpora/<backend>-<corpus>.json`` opened read-only and a member held in memory
(bench/inprocess.py: READ_ONLY_READER, the same for both checkouts), rounds alternating. The
kept bodies are fresh for an hour (``PAPERFEED_PAGE_CACHE_SECONDS=3600``), so every request
fills a kept body: the per-request cost, without the rebuilds each worker makes once per
interval (bench/signed_in_profile.py ``--rebuild`` measures those). ``q`` is the queries a
request runs, counted by an execute wrapper (prepared ones included).

``--database-sessions``: the member's session is a database row (the default SESSION_ENGINE,
read on every request) instead of a signed cookie; signing in writes that row, so ``--corpus``
names a writable copy of a catalogue (a ``var/bench/corpora/<backend>-<name>.json`` of your
own pointing at it, in both checkouts).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.inprocess import DATABASE_SESSIONS_READER, READ_ONLY_READER, SIGNED_IN_PATHS

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, sys, time
root, backend, corpus, requests = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
meta = json.load(open(f"{root}/var/bench/corpora/{backend}-{corpus}.json"))
os.environ.update(meta["env"])
os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
os.environ["PAPERFEED_PAGE_CACHE_SECONDS"] = "3600"
sys.path.insert(0, root)
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
exec(os.environ["BENCH_READER"])
TICK = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    if pid is None:
        return 0.0
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK
with override_settings(ALLOWED_HOSTS=["*"]):
    for path in sys.argv[5:]:
        first = client.get(path)
        assert first.status_code == 200 and b"Sign out" in first.content, (path, first.status_code)
        client.get(path)
        pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
        counted = [0]
        def count(execute, sql, params, many, context):
            counted[0] += 1
            return execute(sql, params, many, context)
        server, worker = cpu(pid), time.process_time()
        with connection.execute_wrapper(count):
            for _ in range(requests):
                client.get(path)
        worker, server = time.process_time() - worker, cpu(pid) - server
        print(json.dumps([path, counted[0] / requests, worker * 1000 / requests,
                          server * 1000 / requests, len(first.content)]))
"""

# --toggle: one process, a boolean setting (BENCH_TOGGLE: PAPERFEED_PG_PREPARED unless
# --setting names another, e.g. PAPERFEED_MEMBER_PATH) off and on in alternate batches of 25
# requests (16 of each): what it changes without two processes' noise.
TOGGLE = (
    CHILD.split("with override_settings", 1)[0]
    + r"""
with override_settings(ALLOWED_HOSTS=["*"]):
    for path in sys.argv[5:]:
        for prepared in (True, False):
            setattr(settings, os.environ["BENCH_TOGGLE"], prepared)
            client.get(path)
            client.get(path)
        pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
        batches, server = {True: [], False: []}, {True: 0.0, False: 0.0}
        for n in range(32):
            prepared = bool(n % 2) if n % 4 < 2 else not n % 2
            setattr(settings, os.environ["BENCH_TOGGLE"], prepared)
            before, started = cpu(pid), time.process_time()
            for _ in range(25):
                client.get(path)
            batches[prepared].append((time.process_time() - started) * 1000 / 25)
            server[prepared] += (cpu(pid) - before) * 1000 / (25 * 16)
        for prepared in (False, True):
            times = sorted(batches[prepared])
            print(json.dumps([path, prepared, times[0], times[len(times) // 2], server[prepared]]))
"""
)


def run(
    root: str,
    backend: str,
    corpus: str,
    requests: int,
    paths: list[str],
    code: str = CHILD,
    toggle: str = "PAPERFEED_PG_PREPARED",
    reader: str = READ_ONLY_READER,
) -> list[list]:
    out = subprocess.run(
        [sys.executable, "-c", code, root, backend, corpus, str(requests), *paths],
        env={**os.environ, "BENCH_READER": reader, "BENCH_TOGGLE": toggle},
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("[")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "other", nargs="?", default="", help="the other checkout (its var/bench/corpora linked)"
    )
    parser.add_argument(
        "--toggle",
        action="store_true",
        help="this checkout alone, PAPERFEED_PG_PREPARED off and on in alternate batches",
    )
    parser.add_argument(
        "--setting", default="PAPERFEED_PG_PREPARED", help="with --toggle: the setting toggled"
    )
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--corpus", default="1m")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-sessions",
        action="store_true",
        help="the member's session a row of the database (the default SESSION_ENGINE), not a "
        "signed cookie: --corpus must name a writable copy (signing in writes the row)",
    )
    args = parser.parse_intermixed_args(argv)
    reader = DATABASE_SESSIONS_READER if args.database_sessions else READ_ONLY_READER
    paths = args.paths or SIGNED_IN_PATHS
    if args.toggle:
        if args.other:  # no other checkout: the first positional is a path
            paths = [args.other, *args.paths]
        for path, prepared, least, median, server in run(
            str(HERE), args.backend, args.corpus, 0, paths, TOGGLE, args.setting, reader
        ):
            print(
                f"{path:28} {args.setting} {'on ' if prepared else 'off'}  worker min {least:.2f}"
                f" / median {median:.2f} ms  server {server:.2f} ms"
            )
        return
    if not args.other:
        parser.error("name the other checkout, or --toggle")
    checkouts = {"other": str(Path(args.other).resolve()), "this": str(HERE)}
    for round_ in range(1, args.rounds + 1):
        for name, root in checkouts.items():
            load = os.getloadavg()[0]
            for path, queries, worker, server, size in run(
                root, args.backend, args.corpus, args.requests, paths, reader=reader
            ):
                print(
                    f"round {round_} {name:5} load {load:4.1f}  {path:28} {queries:4.1f} q"
                    f"  worker {worker:6.2f} ms  server {server:5.2f} ms  {size:,} B"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
