"""Import speed: `paperfeed ingest file` on the real daily corpus beside a plain baseline.

The baseline reads the same archive the same way (tarfile + json) and inserts the same rows
into equivalent tables with the same full-text index, with nothing but ``sqlite3.executemany``
(or PostgreSQL ``COPY``): no validation, no merge rules, no idempotent upsert. The ratio
baseline_time / paperfeed_time says how much of the bare cost paperfeed's safety costs.
paperfeed runs with its defaults: since S38 its database full-text copy is "auto", i.e. not
written beside the tantivy index, while this baseline keeps its full-text table (the target's
definition); ``--without-copy`` adds the rows against a baseline of the tables alone, and
``--index`` times the worker's ``search update`` after each import, so both views are printed.

    .venv/bin/python -m bench.import_speed [--postgres postgres://...] [--snapshot-lines N]

``--against COMMIT`` also imports with that commit's paperfeed (exported, see
``bench.common.export_commit``) in the same run, and ``--rounds N`` repeats everything,
alternating the order each round, so that a before/after comparison on a busy machine is made
side by side. Figures are medians over the rounds; ratios are wall and importer CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from bench.common import (
    BENCH_VAR,
    DAILY_ARCHIVE,
    REPO,
    SNAPSHOT_SAMPLE,
    bytecode_warning,
    require_shared,
)
from bench.import_baselines import ServerCpu, baseline_postgres, baseline_sqlite
from bench.import_report import median_run, print_report, run_line


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one command."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", *command], env=env, capture_output=True, text=True
    )
    if proc.returncode:
        raise SystemExit(f"{command} failed:\n{proc.stdout}\n{proc.stderr}")
    _, user, system = proc.stderr.strip().splitlines()[-1].split()
    return time.perf_counter() - start, float(user) + float(system)


def paperfeed_import(
    path: Path, env: dict[str, str], *extra: str, code: Path | None = None, index: bool = False
) -> dict:
    """One ``paperfeed ingest file`` in a child process; ``code``: an exported paperfeed to run
    instead of the working tree's. ``index``: then ``paperfeed search update``, the worker's
    step after an import that makes the new papers searchable in the tantivy index (timed
    apart: with the database's copy off it is where the imported words get indexed)."""
    cli = str(REPO / ".venv/bin/paperfeed")
    if code is not None:
        env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), str(REPO)]))}
    subprocess.run([cli, "migrate", "-v0"], env={**os.environ, **env}, check=True)
    command = [
        "/usr/bin/time",
        "-f",
        "%M %U %S",
        cli,
        "ingest",
        "file",
        str(path),
        "--no-progress",
        *extra,
    ]
    url = env.get("DATABASE_URL", "")
    server = ServerCpu(url) if url.startswith("postgres") else contextlib.nullcontext()
    start = time.perf_counter()
    with server:
        proc = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"import failed:\n{proc.stdout}\n{proc.stderr}")
    peak_kb, user, system = proc.stderr.strip().splitlines()[-1].split()
    stats = json.loads(
        subprocess.run(
            [cli, "stats", "--json"],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    index_seconds = index_cpu = 0.0
    if index:
        index_seconds, index_cpu = _timed([cli, "search", "update"], {**os.environ, **env})
    return {
        "seconds": seconds,
        "index_seconds": index_seconds,
        "index_cpu_seconds": index_cpu,
        "peak_rss_mb": int(peak_kb) / 1024,
        "cpu_seconds": float(user) + float(system),
        "server_cpu_seconds": server.seconds if isinstance(server, ServerCpu) else 0.0,
        "papers": stats["papers"],
        "summary": proc.stdout.strip().splitlines()[0],
        "load": os.getloadavg()[0],
    }


def _count_records(archive: Path) -> int:
    with tarfile.open(archive, "r|*") as source:
        return sum(
            handle.read().count(b"\n")
            for member in source
            if (handle := source.extractfile(member)) is not None
        )


def _pg_empty(url: str) -> None:
    """Drop and create the database ``url`` names, so each import starts empty."""
    from bench.corpus import _pg_admin

    name = url.rsplit("/", 1)[1].split("?")[0]
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def fresh_dir(name: str) -> Path:
    path = BENCH_VAR / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def snapshot_memory(lines: int) -> dict:
    """Peak RSS importing the 200-record snapshot sample repeated to ``lines`` lines."""
    data = fresh_dir("snapshot-memory")
    big = data / "snapshot-repeated.jsonl"
    sample = SNAPSHOT_SAMPLE.read_bytes()
    if not sample.endswith(b"\n"):
        sample += b"\n"
    per_copy = sample.count(b"\n")
    with big.open("wb") as out:
        for _ in range(max(1, lines // per_copy)):
            out.write(sample)
    env = {"PAPERFEED_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/pf.sqlite3"}
    result = paperfeed_import(big, env, "--format", "snapshot")
    result["lines"] = max(1, lines // per_copy) * per_copy
    result["file_mb"] = big.stat().st_size / 1e6
    big.unlink()
    return result


def _one_import(
    backend: str,
    step: str,
    archive: Path,
    extra: dict[str, str],
    copy: bool,
    postgres: str | None,
    code: Path | None,
    index: bool = False,
) -> dict:
    if step == "_tables":  # the baseline without its full-text table
        step, copy = "_baseline", False
    if backend == "sqlite":
        if step == "_baseline":
            return baseline_sqlite(archive, fresh_dir("import-baseline") / "b.sqlite3", fts=copy)
        data = fresh_dir("import-sqlite")
        env = {"PAPERFEED_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/pf.sqlite3"}
        return paperfeed_import(archive, {**env, **extra}, code=code, index=index)
    assert postgres
    if step == "_baseline":
        return baseline_postgres(archive, postgres, fts=copy)
    _pg_empty(postgres)
    env = {"PAPERFEED_DATA_DIR": str(fresh_dir("import-pg")), "DATABASE_URL": postgres}
    return paperfeed_import(archive, {**env, **extra}, code=code, index=index)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="also measure on this PostgreSQL database (it is emptied)",
    )
    parser.add_argument("--snapshot-lines", type=int, default=1_000_000)
    parser.add_argument(
        "--records",
        type=int,
        default=0,
        help="import only the first daily files holding this many records (default: all)",
    )
    parser.add_argument(
        "--without-copy",
        action="store_true",
        help="also import with PAPERFEED_SEARCH_DATABASE_COPY=false, beside a baseline "
        "without its full-text table",
    )
    parser.add_argument(
        "--against",
        metavar="COMMIT",
        help="also import with this commit's paperfeed, side by side in the same run",
    )
    parser.add_argument(
        "--tables-baseline",
        action="store_true",
        help="also run the plain baseline without its full-text table in each round, and give "
        "every ratio against both baselines (paperfeed's default writes no full-text copy)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat, alternating the order")
    parser.add_argument(
        "--index",
        action="store_true",
        help="after each paperfeed import, time `paperfeed search update` (the worker's next "
        "step, which makes the papers searchable in the tantivy index)",
    )
    args = parser.parse_args(argv)
    require_shared()
    if warning := bytecode_warning():
        print(warning)
    from bench.corpus import small_archive

    archive = small_archive(args.records) if args.records else DAILY_ARCHIVE
    records = _count_records(archive)
    against = ours = None
    if args.against:
        from bench.common import export_commit

        commit = subprocess.run(
            ["git", "rev-parse", args.against], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        against = export_commit(commit)
        # Ours is HEAD, exported too: the working tree may change while the run goes on.
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        ours = export_commit(head)
        print(f"paperfeed at {head[:7]} (HEAD) beside {commit[:7]}")
    load_start = os.getloadavg()
    runs: dict[str, list[dict]] = {}
    variants = [("", True)] + ([("_nocopy", False)] if args.without_copy else [])
    for round_number in range(args.rounds):
        for suffix, copy in variants:
            extra = {} if copy else {"PAPERFEED_SEARCH_DATABASE_COPY": "false"}
            for backend in ("sqlite", "postgres") if args.postgres else ("sqlite",):
                steps: list[tuple[str, Path | None]] = [("", ours), ("_baseline", None)]
                if against is not None:
                    steps.insert(1, ("_against", against))
                if args.tables_baseline and copy:
                    steps.append(("_tables", None))
                if round_number % 2:
                    steps.reverse()
                for step, code in steps:
                    key = f"{backend}{suffix}{step}"
                    runs.setdefault(key, []).append(
                        _one_import(
                            backend, step, archive, extra, copy, args.postgres, code, args.index
                        )
                    )
                    print(f"  round {round_number + 1} {key}: {run_line(runs[key][-1], records)}")
    results: dict = {key: median_run(found) for key, found in runs.items()}
    results["runs"] = runs
    if args.snapshot_lines:
        results["snapshot_memory"] = snapshot_memory(args.snapshot_lines)

    print_report(results, runs, archive, records, args.rounds, args.against, load_start)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
