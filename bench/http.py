"""Web speed: wrk against ``paperfeed web`` (gunicorn, 2 workers) on one catalogue, beside the
same bytes served as static files by the same server stack.

For each path (or mix of paths) it saves what the site answered, then measures, with wrk at 32
connections:

- the site with every cache off (PAPERFEED_PAGE_CACHE_SECONDS=0, PAPERFEED_FEED_CACHE_SECONDS=0,
  PAPERFEED_COUNT_CACHE_SECONDS=0, PAPERFEED_SEARCH_CACHE_SECONDS=0,
  PAPERFEED_CARD_CACHE_SECONDS=0): the cost of building each answer;
- the site with its default caches (anonymous pages 5 s, feeds 300 s, counts 5 s, search
  results until the catalogue changes);
- the baseline: the saved bodies served by WhiteNoise under the same gunicorn settings
  (bench/static_app.py), i.e. everything but Django's views, queries and templates.

The API read rate limit is switched off for the run (PAPERFEED_RATE_API_READ_IP=""): wrk is
one client, and 429 answers would measure the limiter instead of the API.

    .venv/bin/python -m bench.http [--corpus 10k] [--duration 3] [--postgres URL] [--only search]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote_plus

from bench import common
from bench.common import BENCH_VAR, REPO, SEARCH_QUERIES, code_dir, paperfeed, table

CONNECTIONS = 32
THREADS = 2
WORKERS = 2

# A mix is served as paths cycled in order by each wrk connection.
SEARCH_PATHS = [f"/search?q={quote_plus(q)}" for q in SEARCH_QUERIES]

WRK_SCRIPT = """
local paths = {%s}
local i = math.random(#paths) - 1
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d,' ..
    ' "max_us": %%d, "non2xx": %%d, "socket_errors": %%d, "bytes": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout,
    summary.bytes))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, timeout: float = 30, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_ready(port: int, proc: subprocess.Popen, log: Path) -> None:
    # `paperfeed web` checks the site before gunicorn starts: over a minute at load 24.
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if _get(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start:\n{log.read_text()[-3000:]}")


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def memory_mb(pid: int) -> dict[str, float]:
    """VmHWM (the most resident memory the process has had) and the current resident memory
    split into anonymous (the worker's own heap) and file-backed pages (shared, e.g. SQLite's
    memory-mapped database file), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def peak_rss_mb(pid: int) -> float:
    return memory_mb(pid).get("VmHWM", 0.0)


def worker_flags() -> list[str]:
    """BENCH_GUNICORN_ARGS (e.g. "--worker-class gthread --threads 4 --keep-alive 5"), added to
    every server of the run started as gunicorn itself (the static floor, the read-only site,
    bench/http_alternate.py): another gunicorn worker measured against `paperfeed web`'s."""
    return os.environ.get("BENCH_GUNICORN_ARGS", "").split()


@contextmanager
def server(command: list[str], env: dict[str, str], name: str):
    """A gunicorn server on a free loopback port; yields (base URL, master pid)."""
    port = free_port()
    if Path(command[0]).name == "gunicorn":
        command = [*command, *common.access_logger_flags(command), *worker_flags()]
    log = BENCH_VAR / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}"],
            # `paperfeed web` execs "gunicorn" from PATH: the venv's, even when not activated.
            env={**os.environ, "PATH": f"{REPO / '.venv/bin'}:{os.environ['PATH']}", **env},
            cwd=code_dir(),
            stdout=subprocess.DEVNULL,  # the access log: one line per request, not needed
            stderr=out,
        )
    try:
        _wait_ready(port, proc, log)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def app_command() -> list[str]:
    return [str(REPO / ".venv/bin/paperfeed"), "web", "--workers", str(WORKERS)]


def static_command() -> list[str]:
    # The same gunicorn settings `paperfeed web` uses (paperfeed/core/.../web.py).
    return [
        str(REPO / ".venv/bin/gunicorn"),
        "bench.static_app:application",
        "--workers",
        str(WORKERS),
        "--access-logfile",
        "-",
    ]


def wrk(
    base: str, paths: list[str], duration: float, script_dir: Path, headers=(), lua: str = ""
) -> dict:
    """wrk at CONNECTIONS connections over ``paths`` in turn; ``headers``: "Name: value"s;
    ``lua``: a script of its own instead (it must print the BENCH line as WRK_SCRIPT does)."""
    script = script_dir / f"wrk-{abs(hash((tuple(paths), lua)))}.lua"
    script.write_text(lua or WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    proc = subprocess.run(
        [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            *[arg for header in headers for arg in ("-H", header)],
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("BENCH "))
    raw = json.loads(line[len("BENCH ") :])
    seconds = raw["duration_us"] / 1e6
    return {
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "requests": raw["requests"],
        "non2xx": raw["non2xx"],
        "socket_errors": raw["socket_errors"],
        "mean_bytes": round(raw["bytes"] / max(1, raw["requests"])),
    }


def drain(base: str) -> None:
    """Wait until requests wrk left queued in the listen backlog are served.

    wrk stops sending when its time is up, but up to 32 requests may still wait in the kernel's
    accept queue; without this the next measurement would start behind them."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            _get(base + "/healthz", timeout=60)
        except OSError:
            continue
        if time.perf_counter() - start < 0.05:
            return


def pick_paper(env: dict[str, str]) -> str:
    """The arXiv id of a featured paper with an abstract and authors: a full paper page."""
    code = (
        "from paperfeed.papers.models import Paper;"
        "p = Paper.objects.filter(featured__isnull=False, hidden=False).exclude(abstract='')"
        ".order_by('-upvote_count', '-published').first() or Paper.objects.first();"
        "print(p.arxiv_id)"
    )
    return paperfeed("shell", "-c", code, env=env).stdout.strip().splitlines()[-1]


def targets(paper_id: str) -> dict[str, list[str]]:
    return {
        "/papers": ["/papers"],
        "/papers/trending": ["/papers/trending"],
        "/papers/new": ["/papers/new"],
        "paper page": [f"/papers/{paper_id}"],
        "search (50 queries)": SEARCH_PATHS,
        "/api/daily_papers": ["/api/daily_papers"],
        "/api/papers/{id}": [f"/api/papers/{paper_id}"],
        "feed /feeds/daily.rss": ["/feeds/daily.rss"],
    }


def save_bodies(base: str, paths: dict[str, list[str]], root: Path) -> dict[str, list[str]]:
    """Fetch every path once; store the bodies as static files; return the static paths."""
    static: dict[str, list[str]] = {}
    for n, (name, group) in enumerate(paths.items()):
        static[name] = []
        for i, path in enumerate(group):
            status, body = _get(base + path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
            target = root / f"t{n}" / f"{i}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            static[name].append(f"/t{n}/{i}.html")
    return static


def uncached_env() -> dict[str, str]:
    return {
        "PAPERFEED_PAGE_CACHE_SECONDS": "0",
        "PAPERFEED_FEED_CACHE_SECONDS": "0",
        "PAPERFEED_COUNT_CACHE_SECONDS": "0",
        "PAPERFEED_SEARCH_CACHE_SECONDS": "0",
        "PAPERFEED_CARD_CACHE_SECONDS": "0",
    }


def django_uncached() -> None:
    """Django set up in this process with every cache off (the in-process search benches)."""
    os.environ.update(uncached_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()


def warm(base: str, paths: list[str], *, every: bool = False) -> None:
    """A few plain requests per path, so each fresh worker has imported and loaded what the
    path needs (and the OS has the pages cached) before wrk measures it.

    With ``every`` (the cached run) each path of a mix is asked three times, so that both
    workers have most of the 50 searches in their result caches: wrk then measures the steady
    state a running site is in, not the first minute after a restart (which the cache-off
    column shows)."""
    for path in paths if every else paths[:4]:
        for _ in range(3):
            _get(base + path, timeout=120)


def run(
    corpus_env: dict[str, str],
    label: str,
    duration: float,
    only: str = "",
    *,
    cached_only: bool = False,
) -> dict:
    """Every path on one catalogue: uncached, cached, and the static baseline (``cached_only``
    skips the uncached server, whose minutes at 1 M would only add load to a cached run)."""
    base_env = {
        **corpus_env,
        "PAPERFEED_RATE_API_READ_IP": "",
        "PAPERFEED_SCHEDULER": "false",
        "LOG_LEVEL": "WARNING",
    }
    paper_id = pick_paper(corpus_env)
    paths = {name: group for name, group in targets(paper_id).items() if only in name}
    work = Path(tempfile.mkdtemp(prefix="bench-http-", dir=BENCH_VAR))
    results: dict = {"paper": paper_id, "uncached": {}, "cached": {}, "static": {}, "rss_mb": {}}
    try:
        modes: tuple[tuple[str, dict[str, str]], ...] = (
            ("uncached", uncached_env()),
            ("cached", {}),
        )
        for mode, extra in modes[1:] if cached_only else modes:
            with server(app_command(), {**base_env, **extra}, f"{label}-{mode}") as (base, pid):
                if mode == "uncached" or cached_only:
                    static_paths = save_bodies(base, paths, work / "static")
                for name, group in paths.items():
                    warm(base, group, every=mode == "cached")
                    results[mode][name] = wrk(base, group, duration, work)
                    drain(base)
                workers = worker_pids(pid)
                results["rss_mb"][mode] = max((peak_rss_mb(w) for w in workers), default=0.0)
                results.setdefault("memory_mb", {})[mode] = [memory_mb(w) for w in workers]
        static_env = {"BENCH_STATIC_DIR": str(work / "static")}
        with server(static_command(), static_env, f"{label}-static") as (base, pid):
            for name, group in static_paths.items():
                warm(base, group)
                results["static"][name] = wrk(base, group, duration, work)
                drain(base)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def print_results(label: str, results: dict) -> None:
    rows = []
    modes = [mode for mode in ("uncached", "cached", "static") if results[mode]]
    for name in results["static"]:
        row = [name]
        for mode in modes:
            r = results[mode][name]
            bad = f" ({r['non2xx']} non-2xx)" if r["non2xx"] or r["socket_errors"] else ""
            row.append(
                f"{r['p50_ms']:.1f}/{r['p95_ms']:.1f}/{r['p99_ms']:.1f} ms {r['rps']:,.0f}/s{bad}"
            )
        for mode in modes[:-1]:
            row.append(f"{results[mode][name]['rps'] / results['static'][name]['rps']:.2f}")
        rows.append(tuple(row))
    heads = {"uncached": "cache off", "cached": "cache on", "static": "static same bytes"}
    ratios = {"uncached": "off/static", "cached": "on/static"}
    print(f"\n{label}: p50/p95/p99 and requests/s, wrk -c{CONNECTIONS}, gunicorn {WORKERS} workers")
    print(table(rows, ("path", *(heads[m] for m in modes), *(ratios[m] for m in modes[:-1]))))
    print(f"peak worker RSS MB: {results['rss_mb']}")


def main(argv: list[str] | None = None) -> dict:
    from bench import corpus as corpora

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default="10k", choices=corpora.ALL)
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--only", default="", help="measure only the paths whose name has this")
    parser.add_argument(
        "--cached-only", action="store_true", help="skip the cache-off server (default caches only)"
    )
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    backend = "postgres" if args.postgres else "sqlite"
    catalogue = corpora.corpus(args.corpus, backend, args.postgres)
    results = run(
        catalogue.env,
        catalogue.label.replace("/", "-"),
        args.duration,
        args.only,
        cached_only=args.cached_only,
    )
    print_results(catalogue.label, results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
