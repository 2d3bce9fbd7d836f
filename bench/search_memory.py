"""A web worker's memory through 1,000 distinct searches over HTTP, this checkout beside another.

Both served at once (``paperfeed web``: gunicorn, 2 workers each, every cache off, as
``bench.search_http_ab``); the same distinct queries (``bench.search_speed``'s mix) go to each
in turn, in blocks of ``--step``, from 4 client threads, so each worker serves about half of
them. After each block every worker's ``/proc`` figures are read: ``VmHWM`` (the peak resident
memory so far, what a ≤ 200 MB bound is about), and what is resident now, split into the
worker's own pages (``RssAnon``: Python's heap, SQLite's page cache, tantivy's allocations) and
file-backed pages (``RssFile``: code, and the mapped search index, which
``PAPERFEED_MAPPED_FILES_MB`` gives back after a request once over its bound). Prints one row
per block and checkout (the larger worker's figures), so what grows with the queries shows.

    PAPERFEED_DATA_DIR=... DATABASE_URL=... .venv/bin/python -m bench.search_memory OTHER \\
        [--queries 1000] [--step 200]

OTHER is another checkout (``git archive BASE | tar -x -C /tmp/base``), as for search_http_ab,
or this one with ``--set KEY=VALUE`` (environment for this checkout's server only) to compare a
setting. Each row also gives the workers' CPU per search over the block (``utime + stime``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

MEMORY = ("VmHWM", "RssAnon", "RssFile")


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        return int(response.status)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--step", type=int, default=200)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from bench import http
    from bench.common import REPO, table
    from bench.search_speed import _cpu_seconds, queries

    paths = ["/search?" + urlencode({"q": text}) for text in queries(args.queries)]
    env = {
        key: os.environ[key] for key in ("PAPERFEED_DATA_DIR", "DATABASE_URL") if key in os.environ
    }
    env.update(http.uncached_env())
    checkouts = {"this": REPO, "other": args.other.resolve()}
    rows = []
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(4) as pool:
        servers = {}
        for name, path in checkouts.items():
            os.environ["BENCH_CODE_DIR"] = str(path)  # read by http.server when it starts
            own = dict(item.split("=", 1) for item in args.set) if name == "this" else {}
            base, pid = stack.enter_context(
                http.server(http.app_command(), {**env, **own}, f"mem-{name}")
            )
            servers[name] = (base, http.worker_pids(pid))
        os.environ.pop("BENCH_CODE_DIR")
        for name, (_base, workers) in servers.items():
            memory = max((http.memory_mb(pid) for pid in workers), key=lambda m: m["VmHWM"])
            rows.append(("0", name, *(f"{memory.get(key, 0):.0f}" for key in MEMORY), "", ""))
        for start in range(0, len(paths), args.step):
            block = paths[start : start + args.step]
            for name, (base, workers) in servers.items():
                before = _cpu_seconds(workers)
                statuses = list(pool.map(_get, [base + path for path in block]))
                cpu = (_cpu_seconds(workers) - before) / len(block) * 1000
                failed = sum(status != 200 for status in statuses)
                memory = max((http.memory_mb(pid) for pid in workers), key=lambda m: m["VmHWM"])
                rows.append(
                    (
                        str(start + len(block)),
                        name,
                        *(f"{memory.get(key, 0):.0f}" for key in MEMORY),
                        f"{cpu:.1f}",
                        str(failed),
                    )
                )
    print(
        f"{len(paths)} distinct searches to each checkout, gunicorn 2 workers each, every cache"
        f" off, 4 client threads; the larger worker's memory in MB; load {os.getloadavg()[0]:.1f}"
    )
    heads = ("searches", "checkout", "peak RSS", "anon", "file", "CPU ms/search", "failed")
    print(table(rows, heads))
    for name, path in checkouts.items():
        print(f"{name}: {path}", *(args.set if name == "this" else ()))


if __name__ == "__main__":
    main(sys.argv[1:])
