"""The whole `paperfeed summaries build --full --processes 1` (Django's start, the reads, the
extractors, the writes) over a built catalogue, side by side with an older copy of the code:
papers per CPU-second of the command's process, in alternating rounds.

    .venv/bin/python -m bench.glance_build --corpus sqlite-real --base /tmp/base-s33 --rounds 2

``--corpus`` names `var/bench/corpora/<backend>-<name>.json` (its env: the data dir and
DATABASE_URL); the build rewrites every glance of that catalogue, so give it a COPY, never a
shared one. ``--base`` is a folder holding an older `paperfeed/` (`git archive REF | tar -x -C
DIR`): it is imported ahead of the editable install; ``--after`` likewise names the newer
copy (a commit exported the same way: edits to the working tree during a run do not count).
Both versions write the same table, so they can take turns on one copy. CPU time is the
child's user + system time; the load average is printed beside each round, since a busy
machine slows both alike but not evenly.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import BENCH_VAR, REPO

# The editable install answers `import paperfeed` before PYTHONPATH is searched
# (bench.common.export_commit): this start-up hook drops its finder for the base's runs.
_HOOK = (
    "import sys\n"
    "sys.meta_path[:] = [f for f in sys.meta_path\n"
    "                    if '__editable__' not in getattr(f, '__module__', '')]\n"
)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build_once(env: dict[str, str], code: Path | None) -> tuple[float, float, str]:
    """One whole build: (CPU seconds, wall seconds, the command's report line)."""
    child = {**os.environ, **env}
    if code is not None:
        hook = BENCH_VAR / "glance_build_hook"
        hook.mkdir(parents=True, exist_ok=True)
        (hook / "sitecustomize.py").write_text(_HOOK)
        child["PYTHONPATH"] = f"{hook}{os.pathsep}{code}"
    command = [sys.executable, "-m", "paperfeed", "summaries", "build", "--full"]
    command += ["--processes", "1", "--no-progress"]
    cpu, wall = _cpu(), time.perf_counter()
    done = subprocess.run(
        command, cwd=code or REPO, env=child, check=True, capture_output=True, text=True
    )
    return _cpu() - cpu, time.perf_counter() - wall, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="sqlite-real", help="<backend>-<name> of a COPY")
    parser.add_argument("--base", type=Path, default=None, help="folder with an older paperfeed/")
    parser.add_argument(
        "--after", type=Path, default=None, help="folder with the newer paperfeed/ (else this one)"
    )
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    spec = json.loads((BENCH_VAR / "corpora" / f"{args.corpus}.json").read_text())
    env = spec["env"]
    papers = int(spec["papers"])
    versions: dict[str, Path | None] = {"now": args.after.resolve() if args.after else None}
    if args.base:
        versions = {f"before ({args.base})": args.base.resolve(), **versions}
    rates: dict[str, list[float]] = {name: [] for name in versions}
    for round_ in range(1, args.rounds + 1):
        for name, code in versions.items():
            load = os.getloadavg()[0]
            cpu, wall, line = build_once(env, code)
            rates[name].append(papers / cpu)
            print(
                f"round {round_} {name}: {cpu:.1f} CPU-s, {papers / cpu:,.0f} papers per "
                f"CPU-second, wall {wall:.0f} s, load {load:.1f} -> {os.getloadavg()[0]:.1f}\n"
                f"    {line}",
                flush=True,
            )
    for name, values in rates.items():
        print(f"{name}: median {statistics.median(values):,.0f} papers per CPU-second")
    if args.base:
        old, new = (statistics.median(values) for values in rates.values())
        print(f"ratio now/before: {new / old:.2f}x")


if __name__ == "__main__":
    main()
