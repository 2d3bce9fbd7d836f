"""Soak: N minutes of mixed reads and writes at about half of capacity; is anything creeping?

Against `paperfeed web` (gunicorn, 2 workers) and `paperfeed worker` (+ scheduler) on the 10k
catalogue (the first 10,000 records of the real daily archive, imported with this checkout's
code into var/bench/soak, kept between runs), on SQLite, or on PostgreSQL with --postgres URL:

1. capacity: a closed loop of CLIENTS clients on the mix for CAPACITY_SECONDS: requests/s;
2. soak: an open loop at --load (default 0.5) of that rate for --minutes (default 30). Each
   request has its moment; its latency counts from that moment, so a stall is not hidden by
   the client waiting for it (no coordinated omission). Every --interval seconds it records
   p50/p99, errors, and the resident memory (VmRSS) of the gunicorn master, each web worker
   and the task worker. Every interval also imports a batch of new papers (a separate
   `paperfeed ingest file`), which makes the worker build neighbours, as a daily import does.

The mix: 85 % reads (list pages, paper pages, search, API, feeds), 15 % writes (API upvotes
and their removal, API comments) by 40 members with tokens. The API's per-IP limits are off
(one client address) and the community limits raised, so 429s would be a bug here.

    .venv/bin/python -m bench.soak [--minutes 30] [--interval 30] [--load 0.5] [--postgres URL]

Prints one row per interval and a verdict: RSS growth from the first to the last interval
(flat?), p99 of the last intervals against the first (steady?), errors (0?). JSON goes to
bench/results/<date>-<host>-soak.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

from bench.common import BENCH_VAR, REPO, SEARCH_QUERIES, table
from bench.corpus import pg_url, small_archive
from bench.http import free_port, memory_mb, worker_pids
from bench.openloop import Recorder, capacity, open_loop, send

SOAK_DIR = BENCH_VAR / "soak"
MEMBERS = 40
BATCH = 40  # new papers imported per interval
WRITE_SHARE = 0.15


def _env(database_url: str) -> dict[str, str]:
    dead = f"http://127.0.0.1:{free_port()}"  # no upstream calls leave the machine
    return {
        **os.environ,
        "PAPERFEED_DATA_DIR": str(SOAK_DIR),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "PAPERFEED_RATE_API_READ_IP": "",
        "PAPERFEED_RATE_API_WRITE_IP": "",
        "PAPERFEED_RATE_API_TOKEN": "",
        "PAPERFEED_RATE_UPVOTE": "100000/m",
        "PAPERFEED_RATE_COMMENT": "100000/m",
        "ARXIV_API_URL": f"{dead}/api/query",
        "ARXIV_OAI_URL": f"{dead}/oai",
        "HF_API_URL": dead,
        "GITHUB_API_URL": dead,
        "ARXIV_REQUEST_INTERVAL": "3",
        "PAPERFEED_FETCH_RETRIES": "0",
        # The scheduler's jobs that only talk to GitHub or arXiv would sleep in retries against
        # the dead address above and hold the worker: no requests for them.
        "PAPERFEED_STARS_BUDGET": "0",
        "PAPERFEED_COMPLETE_PER_RUN": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def _paperfeed(*args: str, env: dict[str, str]) -> str:
    # `python -m paperfeed` from the repository root: this checkout's code.
    proc = subprocess.run(
        [sys.executable, "-m", "paperfeed", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(f"`paperfeed {' '.join(args)}` failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


_SETUP = """
import json
from django.contrib.auth.models import User
from paperfeed.accounts.services import token_create
from paperfeed.papers.models import Paper
tokens = []
for n in range(%d):
    user, _ = User.objects.get_or_create(
        username=f"soak{n}", defaults={"email": f"soak{n}@example.org"}
    )
    tokens.append(token_create(user=user, name="soak"))
visible = Paper.objects.filter(hidden=False).order_by("?")
ids = list(visible.values_list("arxiv_id", flat=True)[:300])
print("SOAK " + json.dumps({"tokens": tokens, "ids": ids}))
"""


def prepare(env: dict[str, str]) -> dict:
    """The catalogue (once), its neighbour index, members with tokens, and paper ids."""
    stamp = SOAK_DIR / f"ready-{_backend(env)}"
    if not stamp.exists():
        print("importing the 10k catalogue ...", file=sys.stderr, flush=True)
        _paperfeed("migrate", "-v0", env=env)
        _paperfeed("ingest", "file", str(small_archive(10_000)), "--no-progress", env=env)
        _paperfeed("similar", "build", "--full", env=env)
        stamp.write_text("ok")
    _paperfeed("migrate", "-v0", env=env)
    out = _paperfeed("shell", "-c", _SETUP % MEMBERS, env=env)
    return json.loads(out.split("SOAK ", 1)[1])


def _backend(env: dict[str, str]) -> str:
    return "postgres" if env["DATABASE_URL"].startswith("postgres") else "sqlite"


def _batch(path: Path, start: int) -> None:
    """BATCH new papers in the snapshot format (the bulk metadata dump's JSON lines)."""
    rng = random.Random(start)
    words = " ".join(SEARCH_QUERIES).split()
    with path.open("w") as handle:
        for n in range(start, start + BATCH):
            topic = " ".join(rng.sample(words, 6))
            record = {
                "id": f"2611.{90000 + n % 10000:05d}",
                "submitter": "Soak Tester",
                "authors": f"Soak Tester, Author {n}",
                "title": f"On {topic}",
                "abstract": f"We study {topic}. " * 5,
                "categories": "cs.LG cs.CL",
                "comments": None,
                "journal-ref": None,
                "doi": None,
                "report-no": None,
                "license": None,
                "versions": [{"version": "v1", "created": "Mon, 2 Feb 2026 12:00:00 GMT"}],
                "update_date": "2026-02-02",
                "authors_parsed": [["Tester", "Soak", ""], [str(n), "Author", ""]],
            }
            handle.write(json.dumps(record) + "\n")


def _import_batch(path: Path, env: dict[str, str]) -> None:
    _paperfeed("ingest", "file", str(path), "--no-progress", env=env)
    path.unlink()


# --- load ------------------------------------------------------------------------------------


@dataclass
class Mix:
    ids: list[str]
    tokens: list[str]

    def request(self, rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
        if rng.random() < WRITE_SHARE:
            paper = rng.choice(self.ids)
            auth = {"Authorization": f"Bearer {rng.choice(self.tokens)}"}
            kind = rng.random()
            if kind < 0.4:
                return "POST", f"/api/papers/{paper}/upvote", None, auth
            if kind < 0.8:
                return "DELETE", f"/api/papers/{paper}/upvote", None, auth
            body = json.dumps({"comment": f"Soak note {rng.random()}"}).encode()
            return (
                "POST",
                f"/api/papers/{paper}/comment",
                body,
                {
                    **auth,
                    "Content-Type": "application/json",
                },
            )
        paper = rng.choice(self.ids)
        query = quote_plus(rng.choice(SEARCH_QUERIES))
        path = rng.choice(
            [
                "/papers",
                "/papers/new",
                "/papers/trending",
                f"/papers/{paper}",
                f"/search?q={query}",
                f"/api/papers/search?q={query}",
                f"/api/papers/{paper}",
                f"/api/papers/{paper}/similar",
                "/api/daily_papers",
                "/feeds/daily.rss",
            ]
        )
        return "GET", path, None, {}


# --- processes -------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    fields = memory_mb(pid)
    return round(fields.get("RssAnon", 0.0) + fields.get("RssFile", 0.0), 1)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "paperfeed", *args],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=out,
            start_new_session=True,
        )


def _wait_ready(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("paperfeed web exited; see var/bench/logs/soak-web.log")
        try:
            if send(port, "GET", "/healthz", None, {}) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("paperfeed web did not start")


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- report ----------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def verdict(rows: list[dict]) -> dict:
    """Flat, steady, clean? The first interval is the warm-up; compare the rest."""
    settled = rows[1:] if len(rows) > 2 else rows
    first, last = settled[0], settled[-1]
    p99s = [r["p99_ms"] for r in settled]
    return {
        "web_worker_rss_growth_mb": round(
            last["web_workers_max_mb"] - first["web_workers_max_mb"], 1
        ),
        "worker_rss_growth_mb": round(last["worker_mb"] - first["worker_mb"], 1),
        "p99_median_ms": round(statistics.median(p99s), 1),
        "p99_worst_ms": max(p99s),
        "errors": sum(r["errors"] for r in rows),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds per report row")
    parser.add_argument("--load", type=float, default=0.5, help="share of measured capacity")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)

    SOAK_DIR.mkdir(parents=True, exist_ok=True)
    if args.postgres:
        database = pg_url(args.postgres, "paperfeed_bench_soak")
        from bench.corpus import _pg_admin, _pg_exists

        if not _pg_exists(args.postgres, "paperfeed_bench_soak"):
            _pg_admin(args.postgres, "CREATE DATABASE paperfeed_bench_soak")
    else:
        database = f"sqlite:///{SOAK_DIR}/pf.sqlite3"
    env = _env(database)
    data = prepare(env)
    mix = Mix(ids=data["ids"], tokens=data["tokens"])
    logs = BENCH_VAR / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    port = free_port()
    web = _start(
        ["web", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env, logs / "soak-web.log"
    )
    worker = _start(["worker", "--interval", "0.5"], env, logs / "soak-worker.log")
    rows: list[dict] = []
    try:
        _wait_ready(port, web)
        for _ in range(3):
            for path in ("/papers", "/papers/new", f"/papers/{mix.ids[0]}", "/api/daily_papers"):
                send(port, "GET", path, None, {})
        full = capacity(port, mix.request)
        rate = max(1.0, full * args.load)
        print(f"capacity {full:.0f} req/s; soaking at {rate:.0f} req/s for {args.minutes} min")
        recorder = Recorder()
        seconds = args.minutes * 60
        driver = open_loop(port, mix.request, rate, seconds, recorder)
        began = last = time.monotonic()
        importer: threading.Thread | None = None
        next_id = int(time.time()) % 10_000
        while len(rows) < math.ceil(seconds / args.interval):
            if importer is None or not importer.is_alive():
                batch = SOAK_DIR / f"batch-{next_id}.jsonl"
                _batch(batch, next_id)
                next_id += BATCH
                importer = threading.Thread(target=_import_batch, args=(batch, env))

                importer.start()
            time.sleep(max(0.0, began + (len(rows) + 1) * args.interval - time.monotonic()))
            samples = recorder.take()
            now = time.monotonic()
            elapsed, last = now - last, now
            latencies = [s.latency_ms for s in samples]
            workers = [rss_mb(pid) for pid in worker_pids(web.pid)]
            rows.append(
                {
                    "minute": round((now - began) / 60, 1),
                    "requests": len(samples),
                    "rps": round(len(samples) / elapsed, 1),
                    "p50_ms": _pct(latencies, 0.50),
                    "p99_ms": _pct(latencies, 0.99),
                    "errors": sum(not s.ok for s in samples),
                    "statuses": sorted({s.status for s in samples if not s.ok}),
                    "web_master_mb": rss_mb(web.pid),
                    "web_workers_mb": workers,
                    "web_workers_max_mb": max(workers, default=0.0),
                    "worker_mb": rss_mb(worker.pid),
                }
            )
            r = rows[-1]
            print(
                f"  {r['minute']:5.1f} min  {r['rps']:6.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
                f"p99 {r['p99_ms']:7.1f} ms  errors {r['errors']}  web {r['web_workers_mb']} MB  "
                f"worker {r['worker_mb']} MB",
                flush=True,
            )
        if importer is not None:
            importer.join()
        driver.join()
    finally:
        _stop(web)
        _stop(worker)

    result = {
        "backend": _backend(env),
        "capacity_rps": round(full, 1),
        "load": args.load,
        "rate_rps": round(rate, 1),
        "minutes": args.minutes,
        "rows": rows,
        "verdict": verdict(rows),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
    }
    columns = ("minute", "rps", "p50_ms", "p99_ms", "errors", "web_master_mb", "worker_mb")
    cells = [
        (*(str(r[c]) for c in columns), " / ".join(map(str, r["web_workers_mb"]))) for r in rows
    ]
    print("\n" + table(cells, (*columns, "web_workers_mb")))
    print(json.dumps(result["verdict"]))
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    name = f"{datetime.now(UTC):%Y-%m-%d}-{socket.gethostname()}-soak.json"
    (out / name).write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
