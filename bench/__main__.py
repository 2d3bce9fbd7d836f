"""Run every benchmark and print one table: each figure beside its baseline from the same run.

    .venv/bin/python -m bench [--quick] [--postgres URL]     (`make bench`, `make bench-quick`)

The full run measures the 10k, real (74,728 listed + HF featured), 100k and 1 M catalogues;
``--quick`` only the 10k one, with shorter loads, in under 3 minutes; the 2.7 M one (all of
arXiv) only when named (``--corpora 2.7m``, ``make bench-2.7m``). With ``--postgres URL``
(or BENCH_DATABASE_URL) everything that touches the database runs on PostgreSQL too; the
databases it creates there are named ``paperfeed_bench_*``.

Results go to bench/results/<date>-<machine>[-quick].json; ``python -m bench.report FILE``
turns one into the table and chart of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import corpus as corpora
from bench import http, signed_in
from bench.common import BENCH_VAR, REPO, code_dir, export_commit, paperfeed, require_shared, table
from bench.summary import HEADERS, rows

RESULTS = REPO / "bench" / "results"


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    return {
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
        "load_at_start": os.getloadavg(),
    }


def _seconds(*args: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = paperfeed(*args, env=env, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"`paperfeed {' '.join(args)}` failed:\n{proc.stdout}\n{proc.stderr}")
    return round(seconds, 2), proc.stdout.strip()


def startup_seconds(env: dict[str, str]) -> float:
    """An empty paperfeed command: the Django start-up every command timing includes."""
    return _seconds("shell", "-c", "pass", env=env)[0]


def database_bytes(env: dict[str, str]) -> int:
    url = env["DATABASE_URL"]
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    import psycopg

    with psycopg.connect(url) as db:
        return int(db.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def use_committed_code(worktree: bool) -> dict:
    """Measure the committed paperfeed, not a working tree others may be editing mid-run.

    HEAD's ``paperfeed/`` is exported to var/bench/code/<commit> and put first on PYTHONPATH,
    which every child process (CLI, gunicorn, helpers) inherits. ``--worktree`` measures the
    files as they are instead.
    """
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    if worktree or not commit:
        return {"commit": commit, "source": "working tree"}
    target = export_commit(commit)
    # The exported copy first (for paperfeed), then the repository (for bench itself).
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(target), str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    os.environ["BENCH_CODE_DIR"] = str(target)
    return {"commit": commit, "source": f"HEAD exported to {target.relative_to(REPO)}"}


# --- import --------------------------------------------------------------------------------


def bench_import(quick: bool, postgres: str | None) -> dict:
    from bench import import_speed
    from bench.import_baselines import baseline_postgres, baseline_sqlite

    if postgres:
        db = "paperfeed_bench_import"
        corpora._pg_admin(
            postgres, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', f'CREATE DATABASE "{db}"'
        )
        postgres = corpora.pg_url(postgres, db)
    if not quick:
        results = import_speed.main(
            ["--snapshot-lines", "0", "--without-copy"]
            + (["--postgres", postgres] * bool(postgres))
        )
        results["records"] = 120_405
        results["archive"] = import_speed.DAILY_ARCHIVE.name
    else:
        archive = corpora.small_archive(10_000)
        data = import_speed.fresh_dir("import-sqlite-quick")
        env = {"PAPERFEED_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/pf.sqlite3"}
        results = {
            "sqlite": import_speed.paperfeed_import(archive, env),
            "sqlite_baseline": baseline_sqlite(
                archive, import_speed.fresh_dir("import-baseline-quick") / "b.sqlite3"
            ),
        }
        if postgres:
            env = {
                "PAPERFEED_DATA_DIR": str(import_speed.fresh_dir("import-pg-quick")),
                "DATABASE_URL": postgres,
            }
            results["postgres"] = import_speed.paperfeed_import(archive, env)
            results["postgres_baseline"] = baseline_postgres(archive, postgres)
        results["records"] = sum(1 for _ in _lines(archive))
        results["archive"] = archive.name
    baseline_db = BENCH_VAR / ("import-baseline-quick" if quick else "import-baseline")
    baseline_file = baseline_db / "b.sqlite3"
    if baseline_file.exists():
        results["sqlite_baseline"]["bytes"] = baseline_file.stat().st_size
    return results


def _lines(archive: Path):
    import tarfile

    with tarfile.open(archive, "r|*") as tar:
        for member in tar:
            handle = tar.extractfile(member)
            if handle is not None:
                yield from handle


# --- digests --------------------------------------------------------------------------------


def bench_digests(subscribers: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.digests_speed", "--subscribers", str(subscribers)],
        cwd=code_dir(),
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        return {"error": (proc.stdout + proc.stderr)[-2000:]}
    out = proc.stdout
    number = r"([\d.]+)\s+([\d.]+)"
    base = re.search(r"smtplib, one pre-rendered message\s+" + number, out)
    ours = re.search(r"paperfeed deliveries_send\s+" + number, out)
    if not base or not ours:
        return {"error": out[-2000:]}
    return {
        "subscribers": subscribers,
        "paperfeed_seconds": float(ours.group(1)),
        "paperfeed_per_s": float(ours.group(2)),
        "smtplib_seconds": float(base.group(1)),
        "smtplib_per_s": float(base.group(2)),
        "output": out.strip(),
    }


# --- one catalogue --------------------------------------------------------------------------


def bench_search(c: corpora.Corpus, *, duration: float) -> dict:
    """The search index build, then the engines side by side (bench/search_speed.py: 1,200
    distinct queries in process, where their CPU goes, and through wrk beside the static floor;
    bench/search_engines.py: tantivy, FTS5 and a bounded FTS5 plan, or GIN and RUM) and
    known-item MRR@10 (bench/search_quality)."""
    out: dict = {}
    out["rebuild_seconds"], out["rebuild_output"] = _seconds("search", "rebuild", env=c.env)
    # Without the database's full-text copy (the 2.7 M catalogue) the database engine is a scan:
    # only the index is measured there.
    copy = c.env.get("PAPERFEED_SEARCH_DATABASE_COPY", "true") != "false"
    speed = ["bench.search_speed", "--breakdown", "--http", str(max(5.0, duration))]
    steps = [("speed", speed + ([] if copy else ["--engines", "tantivy"]))]
    if copy:
        steps += [
            ("engines", ["bench.search_engines", "--queries", "300"]),
            ("quality", ["bench.search_quality", "--modes", "keyword,hybrid"]),
        ]
    for name, args in steps:
        proc = subprocess.run(
            [sys.executable, "-m", *args],
            env={**os.environ, **c.env},
            cwd=code_dir(),
            capture_output=True,
            text=True,
        )
        out[name] = (proc.stdout + (proc.stderr[-2000:] if proc.returncode else "")).strip()
    return out


def bench_catalogue(
    c: corpora.Corpus, *, duration: float, similar: bool, search: bool = True
) -> dict:
    out: dict = {"papers": c.papers, "featured": c.featured, "build_seconds": c.build_seconds}
    out["startup_seconds"] = startup_seconds(c.env)
    out["trending_seconds"], out["trending_output"] = _seconds("stars", "recompute", env=c.env)
    if similar:
        try:
            out["similar_seconds"], out["similar_output"] = _seconds(
                "similar", "build", "--full", env=c.env
            )
        except SystemExit as exc:
            out["similar_error"] = str(exc)[-1500:]
    if search:
        out["search"] = bench_search(c, duration=duration)
    out["database_bytes"] = database_bytes(c.env)
    if not shutil.which("wrk"):
        print("  wrk is not installed (apt-get install wrk): no HTTP figures", file=sys.stderr)
        return out
    print(f"  {c.label}: wrk, {duration:g} s per path ...", file=sys.stderr, flush=True)
    out["http"] = http.run(c.env, c.label.replace("/", "-"), duration)
    return out


def bench_profile(c: corpora.Corpus, path: str, stamp: str) -> dict:
    output = RESULTS / f"{stamp}-profile.txt"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.profile",
            "--path",
            path,
            "--output",
            str(output),
        ],
        env={**os.environ, **c.env, **http.uncached_env()},
        cwd=code_dir(),
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        return {"error": (proc.stdout + proc.stderr)[-2000:]}
    return {
        "corpus": c.label,
        "path": path,
        "file": str(output.relative_to(REPO)),
        "result": proc.stdout.strip(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10k catalogue only, < 3 minutes")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--corpora",
        help="comma-separated, of 10k,real,100k,1m,2.7m (default: all but 2.7m)",
    )
    parser.add_argument("--duration", type=float, help="seconds of wrk load per path")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated: import,digests,similar,search,signed_in,profile",
    )
    parser.add_argument(
        "--worktree", action="store_true", help="measure the working tree, not the HEAD commit"
    )
    args = parser.parse_args(argv)
    require_shared()
    code = use_committed_code(args.worktree)
    started = time.perf_counter()
    skip = set(filter(None, args.skip.split(",")))
    names = (args.corpora or ("10k" if args.quick else ",".join(corpora.DEFAULT))).split(",")
    duration = args.duration or (2 if args.quick else 3)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d") + "-" + socket.gethostname()
    if args.quick:
        stamp += "-quick"
    results: dict = {
        "machine": machine(),
        "mode": "quick" if args.quick else "full",
        "code": code,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "wrk": {
            "connections": http.CONNECTIONS,
            "threads": http.THREADS,
            "duration_s": duration,
            "gunicorn_workers": http.WORKERS,
        },
    }
    if "import" not in skip:
        print("import ...", file=sys.stderr, flush=True)
        results["import"] = bench_import(args.quick, args.postgres)
    if "digests" not in skip:
        print("digests ...", file=sys.stderr, flush=True)
        results["digests"] = bench_digests(1_000 if args.quick else 10_000)
    for backend in ["sqlite"] + (["postgres"] if args.postgres else []):
        results[backend] = {"catalogues": {}}
        for name in names:
            c = corpora.corpus(name, backend, args.postgres)
            print(f"{c.label} ({c.papers:,} papers) ...", file=sys.stderr, flush=True)
            results[backend]["catalogues"][name] = bench_catalogue(
                c,
                duration=duration,
                similar="similar" not in skip and name in ("10k", "real"),
                search="search" not in skip,
            )
    if "signed_in" not in skip and shutil.which("wrk"):
        # A member's pages (no anonymous page cache) on each SQLite catalogue: bench/signed_in.py.
        for name in names:
            print(f"sqlite/{name} signed in ...", file=sys.stderr, flush=True)
            found = signed_in.run(corpora.corpus(name, "sqlite").env, f"sqlite-{name}", duration)
            results.setdefault("signed_in", {})[name] = found
    if "profile" not in skip and shutil.which("wrk"):
        # The slowest uncached path on the largest SQLite catalogue measured.
        name = names[-1]
        h = results["sqlite"]["catalogues"][name]["http"]["uncached"]
        slowest = max(h, key=lambda p: h[p]["p50_ms"])
        path = {
            t: g[0]
            for t, g in http.targets(results["sqlite"]["catalogues"][name]["http"]["paper"]).items()
        }[slowest]
        results["profile"] = bench_profile(corpora.corpus(name, "sqlite"), path, stamp)
    results["machine"]["load_at_end"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / f"{stamp}.json"
    output.write_text(json.dumps(results, indent=1, default=str))

    m = results["machine"]
    print(
        f"\npaperfeed benchmarks ({results['mode']}), {m['host']}: {m['cpu']}, {m['cores']} cores,"
        f" {m['memory_gb']} GB; load average at start {m['load_at_start'][0]:.1f}, at end"
        f" {m['load_at_end'][0]:.1f}. HTTP: wrk -c{http.CONNECTIONS} {duration:g} s per path,"
        f" gunicorn {http.WORKERS} workers; p50/p99 (search: p50/p95) and requests/s; baseline ="
        " the same bytes as static files through the same gunicorn; cache off ="
        " PAPERFEED_PAGE_CACHE_SECONDS=0 (and feed/count caches 0)."
        f" Code: {code['commit'][:10]} ({code['source']})."
    )
    print(table(rows(results), HEADERS))
    for backend in ("sqlite", "postgres"):
        for name, catalogue in results.get(backend, {}).get("catalogues", {}).items():
            if "search" in catalogue:
                found = catalogue["search"]
                print(f"\nsearch, {backend}/{name}: {found['rebuild_output']}")
                for step in ("speed", "engines", "quality"):
                    if step in found:
                        print(found[step])
    for name, found in results.get("signed_in", {}).items():
        print(f"\nsqlite/{name}, signed in (wrk -c{http.CONNECTIONS}, {http.WORKERS} workers):")
        print(table(signed_in.rows(found), signed_in.HEADERS))
    if "profile" in results:
        print(f"\nprofile: {results['profile']}")
    print(f"\n{results['seconds']:.0f} s; results in {output.relative_to(REPO)}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
