"""A web worker's memory after serving a mix of pages: ``paperfeed web`` (gunicorn, 2 workers,
default caches) on a catalogue, a member and an anonymous reader each read the list pages,
paper pages and the 50 searches, then each worker's ``/proc`` figures are read.

    .venv/bin/python -m bench.worker_memory [--corpus 1m] [--backend postgres] [--read-only]
        [--rounds 2] [--set KEY=VALUE ...]

Prints per worker: VmRSS, VmHWM (peak), RssAnon (its own heap), RssFile (file pages mapped:
code, the SQLite file's memory map, the search index), from ``/proc/<pid>/smaps_rollup`` Pss
(shared pages split between the processes mapping them), Shared_Clean and Private_Clean (file
pages: the kernel may drop them and read them again from the file), Private_Dirty (memory only
this worker holds), and Index (the resident pages of the search index's mapped files), in MB.
``--set`` adds environment variables to the server (to compare settings side by side in one
run: run it twice, alternating). The member is written to the catalogue (bench/inprocess.py:
READER), so use your own copy of a shared one, or ``--read-only`` (a shared SQLite catalogue:
bench/readonly_app.py, members held in memory).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench import http
from bench.common import BENCH_VAR, paperfeed
from bench.signed_in import read_only_readers, readonly_command, session_cookie

FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")
ROLLUP = ("Pss", "Shared_Clean", "Private_Clean", "Private_Dirty")


def memory(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in FIELDS:
            found[key] = int(value.split()[0]) / 1024
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ROLLUP:
            found[key] = int(value.split()[0]) / 1024
    found["Index"] = index_resident(pid)
    return found


def index_resident(pid: int) -> float:
    """MB resident in the worker's mappings of the search index's segment files."""
    total, inside = 0, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(maxsplit=1)[0]
        if "-" in first and not first.endswith(":"):  # a mapping's header line
            inside = "/search/" in line
        elif inside and first == "Rss:":
            total += int(line.split()[1])
    return total / 1024


def pages(paper_ids: list[str]) -> list[str]:
    lists = ["/papers", "/papers/new", "/papers/trending", "/papers/week/2026-W06"]
    return [*lists, *(f"/papers/{pid}" for pid in paper_ids), *http.SEARCH_PATHS]


def paper_ids(env: dict[str, str], count: int = 30) -> list[str]:
    code = (
        "from paperfeed.papers.models import Paper;"
        "ids = Paper.objects.order_by('-pk').values_list('arxiv_id', flat=True);"
        f"print(' '.join(ids[:{count}]))"
    )
    return paperfeed("shell", "-c", code, env=env).stdout.strip().splitlines()[-1].split()


def run(
    corpus_env: dict[str, str],
    label: str,
    rounds: int,
    extra: dict[str, str],
    *,
    read_only: bool = False,
) -> dict:
    env = {**corpus_env, "PAPERFEED_SCHEDULER": "false", "LOG_LEVEL": "WARNING", **extra}
    if read_only:
        work = BENCH_VAR / f"{label}-memory-writable"
        work.mkdir(parents=True, exist_ok=True)
        env.update({"BENCH_WRITABLE_DIR": str(work), "BENCH_READERS": "1"})
        signed = read_only_readers(env, 1, 30)
        cookie = {"Cookie": signed["cookies"][0]}
        paths = pages(signed["papers"])
        command = readonly_command()
    else:
        cookie = {"Cookie": session_cookie(corpus_env)}
        paths = pages(paper_ids(corpus_env))
        command = http.app_command()
    with http.server(command, env, f"{label}-memory") as (base, pid):
        workers = http.worker_pids(pid)
        started = time.monotonic()
        failed = 0
        for _ in range(rounds):
            for path in paths:
                for headers in (cookie, {}):
                    # Each path several times, so both workers serve it.
                    for _ in range(2):
                        try:
                            http._get(base + path, timeout=120, headers=headers)
                        except OSError:  # a worker past gunicorn's timeout on a busy machine
                            failed += 1
        seconds = time.monotonic() - started
        return {
            "requests": rounds * len(paths) * 4,
            "seconds": round(seconds, 1),
            "failed": failed,
            # A worker gunicorn replaced (timeout) is not among these: its figures are gone.
            "same_workers": http.worker_pids(pid) == workers,
            "workers": [memory(worker) for worker in http.worker_pids(pid)],
        }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="1m")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--read-only", action="store_true", help="a shared SQLite catalogue, opened read-only"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    extra = dict(item.split("=", 1) for item in args.set)
    # The catalogue as it is (a copy of a shared one, say): never rebuilt from here.
    label = f"{args.backend}-{args.corpus}"
    meta = json.loads((BENCH_VAR / "corpora" / f"{label}.json").read_text())
    result = run(meta["env"], label, args.rounds, extra, read_only=args.read_only)
    print(
        f"{args.backend}/{args.corpus} {extra or ''}: {result['requests']} requests "
        f"in {result['seconds']} s, {result['failed']} failed, "
        f"same workers throughout: {result['same_workers']}"
    )
    for n, worker in enumerate(result["workers"]):
        print(f"  worker {n}: " + ", ".join(f"{k} {v:.0f} MB" for k, v in worker.items()))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
