"""gunicorn's access log: its stock ``Logger`` against paperfeed's ``AccessLogger``
(core/accesslog.py, `paperfeed web`'s logger class since S87).

Default, in process: ``Logger.access`` alone for one real request (its bytes parsed by gunicorn's
parser, the environ and response made by ``gunicorn.http.wsgi.create``, the response started
and its body counted as sent), the line written to /dev/null through gunicorn's own handler
(``--access-logfile /dev/null``). The two loggers in turn, best of ``--repeat`` runs of
``--calls`` calls each, for two requests: wrk's as bench/signed_in.py sends it (Host and a
member's cookies) and a browser's (14 headers).

``--http``: two gunicorns at once (`paperfeed web`'s settings: 2 sync workers, the access log on
stdout, which goes to /dev/null as in the other benches), one per logger, serving a fixed 8 KB
body (this module's ``application``): wrk with the browser's headers alternating between them,
round after round, and each server's worker CPU a request: gunicorn alone, no Django.

    .venv/bin/python -m bench.access_log [--calls 20000] [--repeat 5]
    .venv/bin/python -m bench.access_log --http [--rounds 4] [--duration 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from gunicorn import glogging
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from gunicorn.http.wsgi import create

from bench import http
from bench.common import BENCH_VAR, REPO, table
from bench.signed_in import cpu_seconds
from paperfeed.core.accesslog import AccessLogger
from paperfeed.core.serving import ACCESS_LOGGER

STOCK = "gunicorn.glogging.Logger"
BODY = b"x" * 8192
COOKIE = (
    "sessionid=.eJxVjMEOwiAQRP-Fsy4gKLTH3v0GsrCLVtu0wN6M_-62vZjZ0-TNe7JpGn4pXTJqfD5eU9U5DAMxuRN"
    "-2bcEUq11Wq7UgHqsT2uAMfxdv9uR0uwUKgB7nR1mTAeJhaw1dF4QkPsHcg6sJTQUi0jVp; "
    "csrftoken=Tq1P3cn2eTG0mJm8YoBzJ4FkVfWyQwIlLxHs7Cu5Dd9aNrKpZeMbOg6StUhXjAv"
)
WRK_HEADERS = [("Host", "127.0.0.1:8000"), ("Cookie", COOKIE)]
BROWSER_HEADERS = [
    ("Host", "papers.example.org"),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Language", "en-US,en;q=0.5"),
    ("Accept-Encoding", "gzip, deflate, br, zstd"),
    ("Referer", "https://papers.example.org/papers?page=2"),
    ("Connection", "keep-alive"),
    ("Cookie", COOKIE),
    ("Upgrade-Insecure-Requests", "1"),
    ("Sec-Fetch-Dest", "document"),
    ("Sec-Fetch-Mode", "navigate"),
    ("Sec-Fetch-Site", "same-origin"),
    ("Sec-Fetch-User", "?1"),
    ("Priority", "u=0, i"),
]


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response(
        "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]


def parsed(headers: list[tuple[str, str]], cfg: Config, sock: socket.socket) -> tuple:
    """(response, request, environ) of a GET of /papers/trending with ``headers``, made by
    gunicorn as a sync worker makes them, the response started and its body sent."""
    raw = "GET /papers/trending HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    req = next(RequestParser(cfg, iter([(raw + "\r\n").encode("latin-1")]), ("127.0.0.1", 5555)))
    resp, environ = create(req, sock, ("127.0.0.1", 5555), ("127.0.0.1", 8000), cfg)
    application(environ, resp.start_response)
    resp.sent = len(BODY)
    return resp, req, environ


def micro(calls: int, repeat: int) -> list[tuple[str, ...]]:
    cfg = Config()
    cfg.set("accesslog", os.devnull)
    one, other = socket.socketpair()
    rows = []
    try:
        for name, headers in (("wrk (2 headers)", WRK_HEADERS), ("browser (14)", BROWSER_HEADERS)):
            resp, req, environ = parsed(headers, cfg, one)
            took: dict[str, list[float]] = {"stock": [], "ours": []}
            for _ in range(repeat):
                # The two in turn: a logger's setup takes over gunicorn.access's handler.
                for label, cls in (("stock", glogging.Logger), ("ours", AccessLogger)):
                    logger = cls(cfg)
                    assert (label == "ours") == (getattr(logger, "_direct", None) is not None)
                    elapsed = timedelta(microseconds=1500)
                    start = time.perf_counter()
                    for _ in range(calls):
                        logger.access(resp, req, environ, elapsed)
                    took[label].append((time.perf_counter() - start) / calls * 1e6)
            stock, ours = min(took["stock"]), min(took["ours"])
            rows.append(
                (
                    name,
                    f"{stock:.2f} µs",
                    f"{ours:.2f} µs",
                    f"{ours / stock:.3f}",
                    " ".join(
                        f"{a:.1f}/{b:.1f}" for a, b in zip(took["stock"], took["ours"], strict=True)
                    ),
                )
            )
    finally:
        one.close()
        other.close()
        for handler in list(logging.getLogger("gunicorn.access").handlers):
            handler.close()
    return rows


def over_http(rounds: int, duration: float) -> list[tuple[str, ...]]:
    work = Path(tempfile.mkdtemp(prefix="bench-access-log-", dir=BENCH_VAR))
    headers = [f"{k}: {v}" for k, v in BROWSER_HEADERS if k != "Host"]
    rows = []
    try:
        with ExitStack() as stack:
            servers = {
                label: stack.enter_context(
                    http.server(
                        [
                            str(REPO / ".venv/bin/gunicorn"),
                            "bench.access_log:application",
                            "--workers",
                            str(http.WORKERS),
                            "--access-logfile",
                            "-",
                            "--no-control-socket",
                            "--logger-class",
                            logger_class,
                        ],
                        {},
                        f"access-log-{label}",
                    )
                )
                for label, logger_class in (("stock", STOCK), ("ours", ACCESS_LOGGER))
            }
            for base, _ in servers.values():
                http.warm(base, ["/"])
            for n in range(rounds):
                order = ["stock", "ours"] if n % 2 == 0 else ["ours", "stock"]
                found = {}
                for label in order:
                    base, master = servers[label]
                    workers = http.worker_pids(master)
                    before = cpu_seconds(workers)
                    result = http.wrk(base, ["/"], duration, work, headers=headers)
                    result["cpu_ms"] = (
                        (cpu_seconds(workers) - before) * 1000 / max(1, result["requests"])
                    )
                    result["load"] = Path("/proc/loadavg").read_text().split()[0]
                    found[label] = result
                    http.drain(base)
                stock, ours = found["stock"], found["ours"]
                rows.append(
                    (
                        f"{n + 1} ({' then '.join(order)})",
                        f"{stock['cpu_ms'] * 1000:.0f} µs {stock['rps']:,.0f}/s",
                        f"{ours['cpu_ms'] * 1000:.0f} µs {ours['rps']:,.0f}/s",
                        f"{ours['cpu_ms'] / stock['cpu_ms']:.3f}",
                        f"{stock['load']}/{ours['load']}",
                    )
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--http", action="store_true", help="two gunicorns, wrk alternating")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5)
    args = parser.parse_args(argv)
    print("load", Path("/proc/loadavg").read_text().strip())
    if args.http:
        if not shutil.which("wrk"):
            sys.exit("wrk is not installed: apt-get install -y wrk")
        rows = over_http(args.rounds, args.duration)
        heads = ("round", "stock: worker CPU/req, req/s", "ours", "ours/stock", "load")
    else:
        rows = micro(args.calls, args.repeat)
        heads = ("request", "stock best", "ours best", "ours/stock", "runs stock/ours (µs)")
    print(table(rows, heads))
    print("load", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main(sys.argv[1:])
