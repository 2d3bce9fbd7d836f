"""Where a gunicorn worker's CPU goes for signed-in readers over HTTP, split by what it was doing:
the same server, catalogue, readers and wrk load as bench/signed_in.py ``--read-only``, with
the worker's CPU (``time.process_time``) charged to the innermost of a few named parts.

    .venv/bin/python -m bench.signed_in_split [--postgres] [--only /papers/new] [--duration 8]

Parts: the member's row (``MemberBackend.get_user``), the curate link's role check
(``accounts.roles``), a body rebuild (``readerslots.shared_copy``'s build) and a body renewal
read (its ``renew``: the read of everything a kept body shows, at its interval's end), a
comment thread rebuild and renewal read (``community.reader_parts``' shared copy), every SQL
statement Django executes (the driver's time for it, rows fetched afterwards are in the part
that asked), and the rest of the request (middleware, the fill, templates). The worker's own
socket writes are outside every part (gunicorn writes the answer after Django returns it);
the last column is the worker's whole CPU a request from ``/proc``, as bench/signed_in.py
reports it. It measures
this checkout only (its WSGI module wraps bench/readonly_app.py's application).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

RESET = "/__split_reset"

# --- In each gunicorn worker (``gunicorn bench.signed_in_split:application``) --------------

cpu: collections.Counter[str] = collections.Counter()
calls: collections.Counter[str] = collections.Counter()
_open: list[list[Any]] = []  # [part, CPU of the parts inside it]
_served = [0]


def charged(part: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, its CPU charged to ``part`` less what inner parts took."""
    started = time.process_time()
    _open.append([part, 0.0])
    try:
        return function(*args, **kwargs)
    finally:
        spent = time.process_time() - started
        inner = _open.pop()[1]
        cpu[part] += spent - inner
        calls[part] += 1
        if _open:
            _open[-1][1] += spent


def _instrument() -> Callable[..., Any]:
    from django.db import connection
    from django.db.backends.signals import connection_created

    from bench.readonly_app import application as site
    from paperfeed.accounts import backends, roles
    from paperfeed.community import reader_parts
    from paperfeed.core import readerslots

    def rebuilds(original: Callable[..., Any], part: str) -> Callable[..., Any]:
        def copy(key: str, seconds: float, build: Callable[[], Any], **options: Any) -> Any:
            renew = options.get("renew")
            if renew is not None:  # a kept body's read of all it shows, at its interval's end
                renewal = part.replace("rebuild", "renewal read")
                options["renew"] = lambda kept: charged(renewal, renew, kept)
            return original(key, seconds, lambda: charged(part, build), **options)

        return copy

    readerslots.shared_copy = rebuilds(readerslots.shared_copy, "body rebuild")  # type: ignore[assignment]
    reader_parts.shared_copy = rebuilds(reader_parts.shared_copy, "thread rebuild")  # type: ignore[assignment]
    role = "_curator_ids" if hasattr(roles, "_curator_ids") else "is_curator"
    checked = getattr(roles, role)
    setattr(roles, role, lambda *args: charged("curate role check", checked, *args))
    member = backends.MemberBackend.get_user
    backends.MemberBackend.get_user = lambda self, pk: charged("member row", member, self, pk)  # type: ignore[method-assign]

    def executed(execute: Callable[..., Any], *args: Any) -> Any:
        return charged("SQL statements", execute, *args)

    def opened(**_kwargs: Any) -> None:
        calls["connections opened"] += 1

    connection_created.connect(opened, weak=False)
    out = os.environ["BENCH_SPLIT_OUT"]

    def application(environ: dict, start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == RESET:
            cpu.clear()
            calls.clear()
            _served[0] = 0
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [str(os.getpid()).encode()]
        _served[0] += 1
        with connection.execute_wrapper(executed):
            body = charged("rest of the request", site, environ, start_response)
        if _served[0] % 20 == 0:  # the driver reads what the last multiple of 20 left
            found = {"requests": _served[0], "cpu_ms": {k: v * 1000 for k, v in cpu.items()}}
            Path(f"{out}.{os.getpid()}.json").write_text(json.dumps({**found, "calls": calls}))
        return body

    return application


if os.environ.get("BENCH_SPLIT_OUT"):
    application = _instrument()


# --- The driver -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    from bench import http
    from bench.common import BENCH_VAR, REPO
    from bench.corpus import CORPORA_DIR
    from bench.signed_in import (
        LISTS,
        cpu_seconds,
        read_only_readers,
        readers_script,
        readonly_command,
        targets,
        warm_every_worker,
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--corpus", default="1m")
    parser.add_argument("--only", default="/papers/new", help="the first group with this name")
    parser.add_argument("--duration", type=float, default=8)
    args = parser.parse_args(argv)
    backend = "postgres" if args.postgres else "sqlite"
    env = json.loads((CORPORA_DIR / f"{backend}-{args.corpus}.json").read_text())["env"]
    work = Path(tempfile.mkdtemp(prefix="bench-split-", dir=BENCH_VAR))
    env = {
        **env,
        "PAPERFEED_RATE_API_READ_IP": "",
        "PAPERFEED_SCHEDULER": "false",
        "LOG_LEVEL": "WARNING",
        "BENCH_WRITABLE_DIR": str(work),
        "BENCH_READERS": "50",
    }
    signed = read_only_readers(env, 50, 20)
    cookies = signed["cookies"]
    group = next(g for name, g in targets(signed["papers"], LISTS).items() if args.only in name)
    command = readonly_command()
    command[1] = "bench.signed_in_split:application"
    env["BENCH_SPLIT_OUT"] = str(work / "split")
    with http.server(command, env, f"{backend}-split") as (base, pid):
        warm_every_worker(base, group, cookies)
        workers = http.worker_pids(pid)
        with ThreadPoolExecutor(8) as pool:  # every worker starts counting here
            list(pool.map(lambda _: http._get(base + RESET), range(32)))
        before = cpu_seconds(workers)
        found = http.wrk(base, group, args.duration, work, lua=readers_script(group, cookies))
        whole = (cpu_seconds(workers) - before) * 1000 / max(1, found["requests"])
    spent: collections.Counter[str] = collections.Counter()
    counted: collections.Counter[str] = collections.Counter()
    served = 0
    for path in work.glob("split.*.json"):
        data = json.loads(path.read_text())
        served += data["requests"]
        spent.update(data["cpu_ms"])
        counted.update(data["calls"])
    shutil.rmtree(work, ignore_errors=True)
    print(
        f"{backend}/{args.corpus} {args.only}: {found['rps']:.0f} req/s, p99 {found['p99_ms']:.0f}"
        f" ms, worker CPU {whole:.2f} ms a request (/proc), {served} requests split,"
        f" load {os.getloadavg()[0]:.1f} ({REPO.name})"
    )
    for part, ms in spent.most_common():
        print(
            f"  {part:22s} {ms / max(1, served):6.2f} ms a request"
            f"  ({counted[part]} times, {ms / max(1, counted[part]):.2f} ms each)"
        )
    inside = sum(spent.values()) / max(1, served)
    print(f"  {'outside Django':22s} {whole - inside:6.2f} ms a request  (gunicorn, socket writes)")
    if counted["connections opened"]:
        print(f"  connections opened: {counted['connections opened']}")


if __name__ == "__main__":
    main(sys.argv[1:])
