"""Anonymous cached pages beside the static floor of the same bytes, in alternating rounds.

``bench.http`` measures the site and then, minutes later, the static server; on a machine
shared with other work the load moves between the two and the ratio moves with it (0.33 and
1.16 for the same `/papers` at 1 M in two runs ten minutes apart). Here both servers run at
once and wrk alternates between them path by path, round by round, so each ratio compares two
measurements taken seconds apart; the table gives the median of the rounds and the worst p99.

    .venv/bin/python -m bench.http_alternate [--corpus 1m] [--rounds 4] [--duration 4]
        [--only /papers] [--against /tmp/base-s44]

``--against DIR`` runs a third server from another checkout (the start commit) in the same
rounds: site, other checkout, static floor, path by path; each server's worker CPU per request
(utime + stime of its gunicorn workers over the wrk run) is given beside its ratio. All servers
are gunicorn with the same flags as the floor, without a control socket, and the API's rate-limit
counters (when ``--api-rate`` turns them on) go to the run's own folder: nothing is written into
a shared catalogue's folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.common import BENCH_VAR, REPO, table
from bench.http import (
    drain,
    pick_paper,
    save_bodies,
    server,
    targets,
    warm,
    worker_pids,
    wrk,
)

_TICKS = os.sysconf("SC_CLK_TCK")


def _gunicorn(app: str) -> list[str]:
    # The flags `paperfeed web` and the static floor use (and BENCH_GUNICORN_ARGS, added by
    # http.server), without gunicorn's control socket
    # (its default is one file in the user's home for every instance; `paperfeed web` would put
    # it in the catalogue's data folder, which may be another checkout's).
    return [
        str(REPO / ".venv/bin/gunicorn"),
        app,
        "--workers",
        "2",
        "--access-logfile",
        "-",
        "--no-control-socket",
    ]


def _workers_cpu(master: int) -> float:
    """CPU seconds (user + system) the master's workers have used so far."""
    total = 0
    for pid in worker_pids(master):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICKS


@contextmanager
def _code(directory: Path | None):
    """Servers started inside run the checkout in ``directory`` (gunicorn puts its working
    directory first on sys.path); None: this one."""
    before = os.environ.get("BENCH_CODE_DIR")
    if directory is not None:
        os.environ["BENCH_CODE_DIR"] = str(directory)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("BENCH_CODE_DIR", None)
        else:
            os.environ["BENCH_CODE_DIR"] = before


def _measure(server_: tuple[str, int], group: list[str], duration: float, work: Path) -> dict:
    base, master = server_
    cpu = _workers_cpu(master)
    measured = wrk(base, group, duration, work)
    measured["cpu_ms"] = (_workers_cpu(master) - cpu) * 1000 / max(1, measured["requests"])
    drain(base)
    return measured


def run(
    env: dict[str, str],
    label: str,
    *,
    rounds: int,
    duration: float,
    only: str,
    against: Path | None = None,
    api_rate: str = "",
) -> dict:
    paths = {
        name: group
        for name, group in targets(pick_paper(env)).items()
        if only in name and (only or not name.startswith("search"))
    }
    work = Path(tempfile.mkdtemp(prefix="bench-alt-", dir=BENCH_VAR))
    base_env = {
        **env,
        "PAPERFEED_RATE_API_READ_IP": api_rate,
        "PAPERFEED_LIMITS_FILE": str(work / "limits.sqlite3"),
        "PAPERFEED_SCHEDULER": "false",
        "LOG_LEVEL": "WARNING",
    }
    results: dict = {}
    app = _gunicorn("paperfeed.wsgi:application")
    try:
        with ExitStack() as stack:
            site = stack.enter_context(server(app, base_env, f"{label}-cached"))
            other = None
            if against is not None:
                with _code(against):
                    # An older checkout has no PAPERFEED_LIMITS_FILE: with a rate set it would
                    # count in the catalogue's folder, so it runs with the limit off.
                    other_env = {**base_env, "PAPERFEED_RATE_API_READ_IP": ""}
                    other = stack.enter_context(server(app, other_env, f"{label}-other"))
            static_paths = save_bodies(site[0], paths, work / "static")
            static_env = {"BENCH_STATIC_DIR": str(work / "static")}
            static_app = _gunicorn("bench.static_app:application")
            floor = stack.enter_context(server(static_app, static_env, f"{label}-static"))
            for name, group in paths.items():
                warm(site[0], group, every=True)
                if other is not None:
                    warm(other[0], group, every=True)
                warm(floor[0], static_paths[name])
                rows = []
                for _ in range(rounds):
                    cached = _measure(site, group, duration, work)
                    older = _measure(other, group, duration, work) if other else None
                    static = _measure(floor, static_paths[name], duration, work)
                    rows.append((cached, static, older))
                results[name] = rows
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def _p99(measured: list[dict]) -> str:
    p99 = [m["p99_ms"] for m in measured]
    return f"{statistics.median(p99):.1f} / {max(p99):.1f} ms"


def _ratio(rounds: list[tuple], side: int) -> str:
    ratios = [r[side]["rps"] / r[1]["rps"] for r in rounds]
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f} to {max(ratios):.2f})"


def report(label: str, results: dict, load: str) -> None:
    rows: list[tuple[str, ...]] = []
    against = any(r[2] is not None for rounds in results.values() for r in rounds)
    for name, rounds in results.items():
        site = [r[0] for r in rounds]
        floor = [r[1] for r in rounds]
        bad = sum(r["non2xx"] + r["socket_errors"] for r in site)
        row = [
            name,
            f"{statistics.median(r['rps'] for r in site):,.0f}/s",
            _p99(site),
            f"{statistics.median(r['cpu_ms'] for r in site):.3f}",
            f"{statistics.median(s['rps'] for s in floor):,.0f}/s",
            _p99(floor),
            f"{statistics.median(s['cpu_ms'] for s in floor):.3f}",
            _ratio(rounds, 0),
        ]
        if against:
            older = [r[2] for r in rounds]
            bad += sum(r["non2xx"] + r["socket_errors"] for r in older)
            row += [
                f"{statistics.median(r['rps'] for r in older):,.0f}/s",
                _p99(older),
                f"{statistics.median(r['cpu_ms'] for r in older):.3f}",
                _ratio(rounds, 2),
            ]
        rows.append((*row, str(bad)))
    rounds = len(next(iter(results.values())))
    print(f"\n{label}: default caches beside the static floor, {rounds} alternating rounds")
    print(f"load average (1, 5, 15 min) before → after: {load}")
    columns = [
        "path",
        "site req/s (median)",
        "site p99 median / worst",
        "site CPU ms/req",
        "static req/s",
        "static p99 median / worst",
        "static CPU ms/req",
        "site/static median (range)",
    ]
    if against:
        columns += ["other req/s", "other p99", "other CPU ms/req", "other/static"]
    print(table(rows, (*columns, "errors")))


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
    parser.add_argument(
        "--catalogue",
        type=Path,
        default=None,
        help="a catalogue's json (its env used as it is: never built, migrated or written)",
    )
    parser.add_argument(
        "--against", type=Path, default=None, help="another checkout measured in the same rounds"
    )
    parser.add_argument(
        "--api-rate",
        default="",
        help="PAPERFEED_RATE_API_READ_IP of this checkout's site (default: off, as before)",
    )
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if args.catalogue is not None:
        saved = json.loads(args.catalogue.read_text())
        env, label = saved["env"], f"{saved['backend']}/{saved['name']}"
    else:
        backend = "postgres" if args.postgres else "sqlite"
        catalogue = corpora.corpus(args.corpus, backend, args.postgres)
        env, label = catalogue.env, catalogue.label
    before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    results = run(
        env,
        label.replace("/", "-"),
        rounds=args.rounds,
        duration=args.duration,
        only=args.only,
        against=args.against,
        api_rate=args.api_rate,
    )
    after = " ".join(f"{x:.1f}" for x in os.getloadavg())
    report(label, results, f"{before} → {after}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
