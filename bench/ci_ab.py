"""CI's phases, this checkout beside another, in one run (S84).

    python -m bench.ci_ab suite ../base      # the SQLite suite of both trees at once, -n 2 each
    python -m bench.ci_ab suite ../base --postgres postgres://postgres@127.0.0.1:54330/pf_s84
                                             # .ci/run's PostgreSQL phase (databases <name>_base
                                             # and <name>_this, and their test_… copies)
    python -m bench.ci_ab install ../base    # `make install` in fresh copies, ABBA, cold caches

``suite`` runs each tree's pytest as its own `make test` would (this checkout's Makefile
arguments, `PYTEST_PARALLEL`; the other's ``-n 2``), both at the same time so that both see the
same load, and prints each wall, its pytest summary and the ratio. ``install`` copies each tree
(tracked files only: ``git ls-files``, or every file when it is no git checkout) and times
`make install` into a new venv, other, this, this, other, each with an empty uv cache.
Both need ../shared beside each tree for the real-data tests, as CI has it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def suite(base: Path, workers: str, postgres: str) -> None:
    sides = {
        "base": (base, ["-n", workers]),
        "this": (HERE, ["-n", workers, "--dist", "worksteal"]),
    }
    started, running = {}, {}
    for name, (tree, args) in sides.items():
        env = dict(os.environ)
        if postgres:
            env["DATABASE_URL"] = f"{postgres}_{name}"
            args = [*args, "--create-db", "-m", "not slow and not sqlite_only"]
        log = open(Path(tempfile.gettempdir()) / f"ci_ab-{name}.log", "w")  # noqa: SIM115
        started[name] = time.monotonic()
        running[name] = (
            subprocess.Popen(
                [str(tree / ".venv/bin/pytest"), *args, "-p", "no:cacheprovider"],
                cwd=tree,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            ),
            log,
        )
    print(f"load at start {_load()}")
    walls = {}
    for name, (process, log) in running.items():
        process.wait()
        walls[name] = time.monotonic() - started[name]
        log.close()
        summary = Path(log.name).read_text().strip().splitlines()[-1]
        print(f"{name}: {walls[name]:.0f} s (rc {process.returncode}, load {_load()}) {summary}")
    print(f"this / base: {walls['this'] / walls['base']:.2f}")


def _copy(tree: Path, target: Path) -> None:
    listed = subprocess.run(["git", "ls-files"], cwd=tree, capture_output=True, text=True)
    names = listed.stdout.split() if listed.returncode == 0 else None
    if names is None:
        shutil.copytree(tree, target, ignore=shutil.ignore_patterns(".venv", "var"))
        return
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(tree / name, target / name)


def install(base: Path) -> None:
    for name, tree in (("base", base), ("this", HERE), ("this", HERE), ("base", base)):
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(scratch) / "tree"
            _copy(tree, target)
            env = {**os.environ, "UV_CACHE_DIR": str(Path(scratch) / "uv-cache")}
            load = _load()
            start = time.monotonic()
            result = subprocess.run(["make", "install"], cwd=target, env=env, capture_output=True)
            wall = time.monotonic() - start
            print(f"{name}: make install {wall:.0f} s (rc {result.returncode}, load {load})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["suite", "install"])
    parser.add_argument("base", type=Path, help="the other tree (its .venv, ../shared beside)")
    parser.add_argument("--workers", default="2")
    parser.add_argument(
        "--postgres", default="", help="suite: a PostgreSQL URL, the stem of both sides' names"
    )
    options = parser.parse_args()
    if options.what == "suite":
        suite(options.base.resolve(), options.workers, options.postgres)
    else:
        install(options.base.resolve())
    sys.stdout.flush()


if __name__ == "__main__":
    main()
