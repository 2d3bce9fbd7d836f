"""HTTP search, this checkout beside another, side by side: both served at once, wrk rounds
alternating between them.

One ``search_speed --http`` run per checkout measures each at a different moment, and on a
shared machine the load moves more between two runs than a change moves the figures. Here both
gunicorns (2 workers each, every cache off) are up together, warmed alike, and wrk (32
connections, the same distinct queries as ``bench.search_speed``) alternates between them for
``--rounds`` rounds of ``--seconds``; each round reports req/s, p95 and the workers' CPU per
request (their ``utime + stime`` over the round; on PostgreSQL also the backends serving them,
bench/dbcpu.py) and the larger worker's memory (peak RSS, and
its anonymous and file-backed pages now), and the totals their ratio.

    PAPERFEED_DATA_DIR=... DATABASE_URL=... .venv/bin/python -m bench.search_http_ab OTHER \\
        [--queries 1000] [--rounds 4] [--seconds 10]

OTHER is another checkout (``git archive BASE | tar -x -C /tmp/base``); its gunicorn workers
import its ``paperfeed`` (they start in its directory, see ``bench.common.code_dir``).
``--other-env NAME=VALUE`` (repeatable) sets a variable for OTHER's server alone; with OTHER
``.`` (this checkout) that weighs a setting against its default, the same code on both sides.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

MEMORY = ("VmHWM", "RssAnon", "RssFile")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--other-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    other_env = dict(item.split("=", 1) for item in args.other_env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from bench import http
    from bench.common import REPO, table
    from bench.dbcpu import BackendCPU
    from bench.search_speed import _cpu_seconds, queries

    paths = ["/search?" + urlencode({"q": text}) for text in queries(args.queries)]
    env = {
        key: os.environ[key] for key in ("PAPERFEED_DATA_DIR", "DATABASE_URL") if key in os.environ
    }
    env.update(http.uncached_env())
    checkouts = {"this": REPO, "other": args.other.resolve()}
    totals = {
        name: {"requests": 0, "cpu": 0.0, "db": 0.0, "seconds": 0.0, "p95": []}
        for name in checkouts
    }
    # PostgreSQL: the database backends serving each server's workers too (bench/dbcpu.py): on
    # one machine they take the same cores, and a cheaper statement shows only there.
    database_url = {"this": env.get("DATABASE_URL", "")}
    database_url["other"] = other_env.get("DATABASE_URL", database_url["this"])
    rows = []
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as scripts:
        servers = {}
        for name, path in checkouts.items():
            os.environ["BENCH_CODE_DIR"] = str(path)  # read by http.server when it starts
            own = {**env, **other_env} if name == "other" else env
            base, pid = stack.enter_context(http.server(http.app_command(), own, f"ab-{name}"))
            servers[name] = (base, http.worker_pids(pid))
        os.environ.pop("BENCH_CODE_DIR")
        for base, _ in servers.values():
            http.warm(base, paths[-50:])
        for n in range(args.rounds):
            order = list(checkouts) if n % 2 == 0 else list(reversed(checkouts))
            for name in order:
                base, workers = servers[name]
                # Each round asks queries neither server has seen (wrk cycles from the start of
                # its list): rotate the list by the round.
                offset = (n * len(paths)) // args.rounds
                before = _cpu_seconds(workers)
                url = database_url[name]
                database = BackendCPU(url, workers) if url.startswith("postgres") else None
                if database is not None:
                    database.start()
                result = http.wrk(
                    base, paths[offset:] + paths[:offset], args.seconds, Path(scripts)
                )
                cpu = _cpu_seconds(workers) - before
                db_cpu = database.stop() if database is not None else 0.0
                http.drain(base)
                load = os.getloadavg()[0]
                per = cpu / max(1, result["requests"]) * 1000
                db_per = db_cpu / max(1, result["requests"]) * 1000
                rows.append(
                    (
                        str(n),
                        name,
                        str(result["rps"]),
                        str(result["p95_ms"]),
                        f"{per:.1f}",
                        f"{db_per:.2f}",
                    )
                )
                # The workers' memory after the round: the peak so far and what is resident
                # now, their own (anonymous) and file pages (code, the mapped index), the
                # larger worker's.
                memory = max((http.memory_mb(pid) for pid in workers), key=lambda m: m["VmHWM"])
                rows[-1] += tuple(f"{memory.get(key, 0):.0f}" for key in MEMORY)
                rows[-1] += (f"{load:.1f}",)
                total = totals[name]
                total["requests"] += result["requests"]
                total["cpu"] += cpu
                total["db"] += db_cpu
                total["seconds"] += args.seconds
                total["p95"].append(result["p95_ms"])
    print(
        f"{len(paths)} distinct queries, gunicorn 2 workers each, wrk 32 connections,"
        f" {args.rounds} alternating rounds of {args.seconds:.0f} s, every cache off"
    )
    heads = ("round", "checkout", "req/s", "p95 ms", "worker CPU ms/req", "database CPU ms/req")
    print(table(rows, (*heads, "peak RSS MB", "anon MB", "file MB", "load")))
    per_request = {}
    for name, total in totals.items():
        per_request[name] = total["cpu"] / max(1, total["requests"]) * 1000
        db_per = total["db"] / max(1, total["requests"]) * 1000
        print(
            f"{name} ({checkouts[name]}): {total['requests'] / total['seconds']:.1f} req/s,"
            f" worker CPU {per_request[name]:.2f} ms/request, database CPU {db_per:.2f}"
            f" ms/request (PostgreSQL only), p95 per round {total['p95']}"
        )
    if other_env:
        print(f"other's own environment: {other_env}")
    print(f"this / other, worker CPU per request: {per_request['this'] / per_request['other']:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
