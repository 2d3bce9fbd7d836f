"""Signed-in readers over HTTP: wrk with a member's session cookie against ``paperfeed web``
(gunicorn, 2 workers, the default caches), beside the same bytes served as static files by the
same server stack (bench/static_app.py).

A member's pages never come from the anonymous page cache: each request builds its page, with
the cards from the card cache and the reader's own votes (community/cards.py). The member is
``bench-reader`` (bench/inprocess.py: READER), with votes on the first cards of the lists.

    .venv/bin/python -m bench.signed_in [--corpus 10k] [--duration 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench import http
from bench.common import BENCH_VAR, paperfeed, table
from bench.inprocess import READER


def session_cookie(env: dict[str, str]) -> str:
    """A "Cookie: sessionid=…" header of bench-reader's session (created, with its votes, when
    missing)."""
    code = READER + "\nprint('COOKIE', client.cookies['sessionid'].value)"
    out = paperfeed("shell", "-c", code, env=env).stdout
    return "Cookie: sessionid=" + next(
        line.split()[1] for line in out.splitlines() if line.startswith("COOKIE ")
    )


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used: on a machine shared with other work,
    CPU per request is what a page costs, where requests per second measure the neighbours."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measured(
    base: str, pid: int, group: list[str], duration: float, work: Path, headers=()
) -> dict:
    """wrk over ``group``, plus the CPU milliseconds the server's workers spent per request."""
    workers = http.worker_pids(pid)
    before = cpu_seconds(workers)
    found = http.wrk(base, group, duration, work, headers=headers)
    found["cpu_ms"] = round((cpu_seconds(workers) - before) * 1000 / max(1, found["requests"]), 2)
    return found


def targets(paper_id: str) -> dict[str, list[str]]:
    return {
        "/papers": ["/papers"],
        "/papers/new": ["/papers/new"],
        "/papers/trending": ["/papers/trending"],
        "paper page": [f"/papers/{paper_id}"],
        "search (50 queries)": http.SEARCH_PATHS,
    }


def run(corpus_env: dict[str, str], label: str, duration: float) -> dict:
    """Each signed-in path: the site (default caches) and the static copy of what it answered."""
    env = {
        **corpus_env,
        "PAPERFEED_RATE_API_READ_IP": "",
        "PAPERFEED_SCHEDULER": "false",
        "LOG_LEVEL": "WARNING",
    }
    cookie = session_cookie(corpus_env)
    name, value = cookie.split(": ", 1)
    paths = targets(http.pick_paper(corpus_env))
    work = Path(tempfile.mkdtemp(prefix="bench-signed-in-", dir=BENCH_VAR))
    results: dict = {"site": {}, "static": {}}
    static: dict[str, list[str]] = {}
    try:
        with http.server(http.app_command(), env, f"{label}-signed-in") as (base, pid):
            for n, (target, group) in enumerate(paths.items()):
                static[target] = []
                for i, path in enumerate(group):
                    status, body = http._get(base + path, timeout=120, headers={name: value})
                    if status != 200 or b"Sign out" not in body:
                        raise SystemExit(f"{path} as a member answered {status}: {body[:300]!r}")
                    saved = work / "static" / f"t{n}" / f"{i}.html"
                    saved.parent.mkdir(parents=True, exist_ok=True)
                    saved.write_bytes(body)
                    static[target].append(f"/t{n}/{i}.html")
                    for _ in range(2):  # both workers have the cards and search results
                        http._get(base + path, timeout=120, headers={name: value})
                results["site"][target] = measured(base, pid, group, duration, work, [cookie])
                http.drain(base)
        static_env = {"BENCH_STATIC_DIR": str(work / "static")}
        with http.server(http.static_command(), static_env, f"{label}-signed-in-static") as (
            base,
            pid,
        ):
            for target, group in static.items():
                http.warm(base, group)
                results["static"][target] = measured(base, pid, group, duration, work)
                http.drain(base)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def rows(results: dict) -> list[tuple[str, ...]]:
    out = []
    for target, site in results["site"].items():
        floor = results["static"][target]
        ok = site["rps"] >= 500 and site["p99_ms"] <= 100
        out.append(
            (
                target,
                f"{site['p50_ms']:.1f}/{site['p99_ms']:.1f} ms {site['rps']:,.0f}/s",
                f"{site['cpu_ms']:.2f} ms",
                f"{floor['p50_ms']:.1f}/{floor['p99_ms']:.1f} ms {floor['rps']:,.0f}/s",
                f"{floor['cpu_ms']:.2f} ms",
                f"{site['rps'] / floor['rps']:.2f}",
                "yes" if ok else "no",
            )
        )
    return out


HEADERS = (
    "signed-in path",
    "site p50/p99, req/s",
    "site CPU/req",
    "static same bytes",
    "static CPU/req",
    "site/static req/s",
    "≥ 500/s, p99 ≤ 100 ms",
)


def main(argv: list[str] | None = None) -> dict:
    from bench import corpus as corpora

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default="10k", choices=corpora.ALL)
    parser.add_argument("--duration", type=float, default=3)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    catalogue = corpora.corpus(args.corpus, "sqlite")
    results = run(catalogue.env, catalogue.label.replace("/", "-"), args.duration)
    print(f"\n{catalogue.label}, signed in: wrk -c{http.CONNECTIONS}, gunicorn {http.WORKERS}")
    print(table(rows(results), HEADERS))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
