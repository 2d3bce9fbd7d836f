"""Anonymous cached pages beside the static floor of the same bytes, in alternating rounds.

``bench.http`` measures the site and then, minutes later, the static server; on a machine
shared with other work the load moves between the two and the ratio moves with it (0.33 and
1.16 for the same `/papers` at 1 M in two runs ten minutes apart). Here both servers run at
once and wrk alternates between them path by path, round by round, so each ratio compares two
measurements taken seconds apart; the table gives the median of the rounds and the worst p99.

    .venv/bin/python -m bench.http_alternate [--corpus 1m] [--rounds 4] [--duration 4]
        [--only /papers]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.common import BENCH_VAR, table
from bench.http import (
    app_command,
    drain,
    pick_paper,
    save_bodies,
    server,
    static_command,
    targets,
    warm,
    wrk,
)


def run(env: dict[str, str], label: str, *, rounds: int, duration: float, only: str) -> dict:
    base_env = {
        **env,
        "PAPERFEED_RATE_API_READ_IP": "",
        "PAPERFEED_SCHEDULER": "false",
        "LOG_LEVEL": "WARNING",
    }
    paths = {name: group for name, group in targets(pick_paper(env)).items() if only in name}
    work = Path(tempfile.mkdtemp(prefix="bench-alt-", dir=BENCH_VAR))
    results: dict = {}
    try:
        with server(app_command(), base_env, f"{label}-cached") as (site, _):
            static_paths = save_bodies(site, paths, work / "static")
            static_env = {"BENCH_STATIC_DIR": str(work / "static")}
            with server(static_command(), static_env, f"{label}-static") as (floor, _):
                for name, group in paths.items():
                    warm(site, group, every=True)
                    warm(floor, static_paths[name])
                    rows = []
                    for _ in range(rounds):
                        cached = wrk(site, group, duration, work)
                        drain(site)
                        static = wrk(floor, static_paths[name], duration, work)
                        drain(floor)
                        rows.append((cached, static))
                    results[name] = rows
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def _p99(measured: list[dict]) -> str:
    p99 = [m["p99_ms"] for m in measured]
    return f"{statistics.median(p99):.1f} / {max(p99):.1f} ms"


def report(label: str, results: dict, load: str) -> None:
    rows: list[tuple[str, ...]] = []
    for name, rounds in results.items():
        site = [r for r, _ in rounds]
        floor = [s for _, s in rounds]
        ratios = [r["rps"] / s["rps"] for r, s in rounds]
        bad = sum(r["non2xx"] + r["socket_errors"] for r in site)
        rows.append(
            (
                name,
                f"{statistics.median(r['rps'] for r in site):,.0f}/s",
                _p99(site),
                f"{statistics.median(s['rps'] for s in floor):,.0f}/s",
                _p99(floor),
                f"{statistics.median(ratios):.2f} ({min(ratios):.2f} to {max(ratios):.2f})",
                str(bad),
            )
        )
    rounds = len(next(iter(results.values())))
    print(f"\n{label}: default caches beside the static floor, {rounds} alternating rounds")
    print(f"load average (1, 5, 15 min) before → after: {load}")
    print(
        table(
            rows,
            (
                "path",
                "site req/s (median)",
                "site p99 median / worst",
                "static req/s",
                "static p99 median / worst",
                "site/static median (range)",
                "errors",
            ),
        )
    )


def main(argv: list[str] | None = None) -> dict:
    from bench import corpus as corpora

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default="1m", choices=corpora.ALL)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=4)
    parser.add_argument("--only", default="", help="measure only the paths whose name has this")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    backend = "postgres" if args.postgres else "sqlite"
    catalogue = corpora.corpus(args.corpus, backend, args.postgres)
    before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    results = run(
        catalogue.env,
        catalogue.label.replace("/", "-"),
        rounds=args.rounds,
        duration=args.duration,
        only=args.only,
    )
    after = " ".join(f"{x:.1f}" for x in os.getloadavg())
    report(catalogue.label, results, f"{before} → {after}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
