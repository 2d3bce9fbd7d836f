"""Signed-in readers over HTTP: wrk with members' session cookies against the site under
gunicorn (2 workers, the default caches), beside the same bytes served as static files by the
same server stack (bench/static_app.py).

A member's pages never come from the anonymous page cache: each request fills the shared body
kept per path (core/readerslots.py) with the reader's menu, messages and vote and save boxes
(one query). wrk's script rotates among the readers' cookies (a random reader per request) and
cycles through the paths of a group, so the workers serve distinct members, not one.

Two ways to sign in:

- a writable catalogue (``--corpus 10k``, the default): the members ``bench-reader`` (one, with
  votes on the first cards of the lists; bench/inprocess.py: READER) served by ``paperfeed web``;
- ``--read-only`` (the shared 1 M catalogue, which nobody may write to): bench/readonly_app.py
  under gunicorn with ``paperfeed web``'s settings (2 sync workers, access log), the database
  opened read-only, ``--readers`` members held in memory with signed-cookie sessions and a CSRF
  cookie each. What differs from real members, and so what this does not measure: no session
  row read (one indexed SELECT a real request makes), no votes, saves or collections (the
  reader's query runs and finds none, so no "voted"/"saved" state is written into the cards),
  no comments of their own; the user's SELECT runs and finds no row.

    .venv/bin/python -m bench.signed_in [--corpus 10k] [--duration 3]
    .venv/bin/python -m bench.signed_in --corpus 1m --read-only [--readers 50] [--papers 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import http
from bench.common import BENCH_VAR, REPO, code_dir, paperfeed, table
from bench.dbcpu import BackendCPU
from bench.inprocess import READER

# The list pages a member reads (the week and month a populated catalogue has, as in
# bench/inprocess.py's SIGNED_IN_PATHS).
LISTS = [
    "/papers",
    "/papers/new",
    "/papers/trending",
    "/papers/week/2026-W06",
    "/papers/month/2026-02",
]

# Each request: the next path of the group, a random reader's cookies (seeded per wrk thread).
READERS_SCRIPT = """
local paths = {%s}
local cookies = {%s}
local i = 0
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(id * 7919)
  i = math.random(#paths) - 1
end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {Cookie = cookies[math.random(#cookies)]})
end
"""
WARM_CLIENTS = 8
DONE = "done = function" + (http.WRK_SCRIPT % "").split("done = function", 1)[1]


def readers_script(paths: list[str], cookies: list[str]) -> str:
    quoted = ", ".join
    return (
        READERS_SCRIPT
        % (
            quoted(json.dumps(p) for p in paths),
            quoted(json.dumps(c) for c in cookies),
        )
        + DONE
    )


def session_cookie(env: dict[str, str]) -> str:
    """The Cookie value of bench-reader's session (created, with its votes, when missing)."""
    code = READER + "\nprint('COOKIE', client.cookies['sessionid'].value)"
    out = paperfeed("shell", "-c", code, env=env).stdout
    return "sessionid=" + next(
        line.split()[1] for line in out.splitlines() if line.startswith("COOKIE ")
    )


def read_only_readers(env: dict[str, str], readers: int, papers: int) -> dict:
    """Cookies of ``readers`` in-memory members and ``papers`` featured paper ids, from
    bench/readonly_app.py in the catalogue's environment (the database opened read-only)."""
    out = subprocess.run(
        [str(REPO / ".venv/bin/python"), "-m", "bench.readonly_app", str(readers)],
        env={**os.environ, **env, "BENCH_PAPERS": str(papers)},
        cwd=code_dir(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def readonly_command() -> list[str]:
    # `paperfeed web`'s gunicorn settings (core/serving.py; BENCH_GUNICORN_ARGS added by
    # http.server), without its control socket, which it would create in the (shared,
    # read-only) data directory.
    return [
        str(REPO / ".venv/bin/gunicorn"),
        "bench.readonly_app:application",
        "--workers",
        str(http.WORKERS),
        "--access-logfile",
        "-",
        "--no-control-socket",
    ]


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
    base: str,
    pid: int,
    group: list[str],
    duration: float,
    work: Path,
    lua: str,
    database_url: str = "",
) -> dict:
    """wrk over ``group``, plus the CPU milliseconds the server's workers spent per request
    (and, for a PostgreSQL ``database_url``, what the database backends serving them spent:
    bench/dbcpu.py) and the 1-minute load average at the end."""
    workers = http.worker_pids(pid)
    database = BackendCPU(database_url, workers) if database_url.startswith("postgres") else None
    if database is not None:
        database.start()
    spy = _py_spy(workers, duration, group)
    before = cpu_seconds(workers)
    found = http.wrk(base, group, duration, work, lua=lua)
    if spy is not None:
        spy.wait()
    requests = max(1, found["requests"])
    found["cpu_ms"] = round((cpu_seconds(workers) - before) * 1000 / requests, 2)
    if database is not None:
        found["db_cpu_ms"] = round(database.stop() * 1000 / requests, 2)
    found["load"] = round(os.getloadavg()[0], 1)
    return found


def _py_spy(workers: list[int], duration: float, group: list[str]) -> subprocess.Popen | None:
    """With BENCH_PY_SPY=<folder>: py-spy samples the first worker for the run (its stacks, as
    counted lines, in <folder>/<pid>-<first path>.txt), for where a request's CPU goes over HTTP
    rather than in process (bench/signed_in_profile.py)."""
    folder = os.environ.get("BENCH_PY_SPY")
    if not folder or not workers:
        return None
    name = group[0].strip("/").replace("/", "_") or "root"
    out = Path(folder) / f"{workers[0]}-{name}-{len(group)}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--nonblocking",
        "--format",
        "raw",
    ]
    command += ["-r", "250", "-d", str(max(1, round(duration))), "-p", str(workers[0])]
    return subprocess.Popen([*command, "-o", str(out)], stdout=subprocess.DEVNULL)


def targets(papers: list[str], lists: list[str]) -> dict[str, list[str]]:
    pages = [f"/papers/{paper_id}" for paper_id in papers]
    found = {path: [path] for path in lists}
    found[f"paper pages ({len(pages)})"] = pages
    # Half list pages, half paper pages.
    found[f"mix: {len(lists)} lists + {len(pages)} papers"] = [
        *(lists * max(1, len(pages) // len(lists))),
        *pages,
    ]
    return found


def run(
    corpus_env: dict[str, str],
    label: str,
    duration: float,
    *,
    read_only: bool = False,
    readers: int = 50,
    papers: int = 20,
    only: str = "",
) -> dict:
    """Each signed-in group: the site (default caches) and the static copy of what it answered."""
    work = Path(tempfile.mkdtemp(prefix="bench-signed-in-", dir=BENCH_VAR))
    env = {
        **corpus_env,
        "PAPERFEED_RATE_API_READ_IP": "",
        "PAPERFEED_SCHEDULER": "false",
        "LOG_LEVEL": "WARNING",
    }
    if read_only:
        env.update({"BENCH_WRITABLE_DIR": str(work), "BENCH_READERS": str(readers)})
        signed = read_only_readers(env, readers, papers)
        cookies, paper_ids, lists = signed["cookies"], signed["papers"], LISTS
        command = readonly_command()
    else:
        cookies = [session_cookie(corpus_env)]
        paper_ids, lists = [http.pick_paper(corpus_env)], LISTS[:3]
        command = http.app_command()
    groups = targets(paper_ids, lists)
    if not read_only:
        # As before on a writable catalogue; the read-only run keeps to the lists and paper pages.
        groups["search (50 queries)"] = http.SEARCH_PATHS
    groups = {name: group for name, group in groups.items() if only in name}
    try:
        return measure_groups(command, env, label, cookies, groups, duration, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def warm_every_worker(base: str, group: list[str], cookies: list[str]) -> None:
    """Each path of ``group`` asked by 8 concurrent clients, twice over: one request at a time
    may always reach the same gunicorn worker, and a worker's first request (imports, templates,
    the first body) costs 0.8-2.2 s at 1 M, which then lands in wrk's p99."""
    asks = [(path, cookies[i % len(cookies)]) for i, path in enumerate(group * 2 * WARM_CLIENTS)]
    with ThreadPoolExecutor(WARM_CLIENTS) as pool:
        list(
            pool.map(
                lambda ask: http._get(base + ask[0], timeout=120, headers={"Cookie": ask[1]}), asks
            )
        )


def measure_groups(
    command: list[str],
    env: dict[str, str],
    label: str,
    cookies: list[str],
    groups: dict[str, list[str]],
    duration: float,
    work: Path,
) -> dict:
    """Each group served by ``command`` to readers with ``cookies`` (each path first checked to
    answer a member's page, and kept), then the kept bytes as static files, the same way."""
    results: dict = {"site": {}, "static": {}, "readers": len(cookies)}
    static: dict[str, list[str]] = {}
    with http.server(command, env, f"{label}-signed-in") as (base, pid):
        for n, (target, group) in enumerate(groups.items()):
            static[target] = []
            for i, path in enumerate(group):
                for k in range(3):  # both workers have the shared body and the cards
                    cookie = cookies[(i + k) % len(cookies)]
                    status, body = http._get(base + path, timeout=120, headers={"Cookie": cookie})
                    if status != 200 or b"Sign out" not in body:
                        raise SystemExit(f"{path} as a member answered {status}: {body[:300]!r}")
                    if k == 0:
                        saved = work / "static" / f"t{n}" / f"{i}.html"
                        saved.parent.mkdir(parents=True, exist_ok=True)
                        saved.write_bytes(body)
                        static[target].append(f"/t{n}/{i}.html")
            warm_every_worker(base, group, cookies)
            lua = readers_script(group, cookies)
            results["site"][target] = measured(
                base, pid, group, duration, work, lua, env.get("DATABASE_URL", "")
            )
            http.drain(base)
    static_env = {"BENCH_STATIC_DIR": str(work / "static")}
    with http.server(http.static_command(), static_env, f"{label}-signed-in-static") as (
        base,
        pid,
    ):
        for target, group in static.items():
            http.warm(base, group)
            lua = readers_script(group, cookies)  # the same request bytes
            results["static"][target] = measured(base, pid, group, duration, work, lua)
            http.drain(base)
    return results


def rows(results: dict) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for target, site in results["site"].items():
        floor = results["static"][target]
        ok = site["rps"] >= 500 and site["p99_ms"] <= 100
        bad = f" ({site['non2xx']} non-2xx)" if site["non2xx"] or site["socket_errors"] else ""
        out.append(
            (
                target,
                f"{site['p50_ms']:.1f}/{site['p95_ms']:.1f}/{site['p99_ms']:.1f} ms"
                f" {site['rps']:,.0f}/s{bad}",
                f"{site['cpu_ms']:.2f} ms"
                + (f" + db {site['db_cpu_ms']:.2f}" if "db_cpu_ms" in site else ""),
                f"{floor['p50_ms']:.1f}/{floor['p95_ms']:.1f}/{floor['p99_ms']:.1f} ms"
                f" {floor['rps']:,.0f}/s",
                f"{floor['cpu_ms']:.2f} ms",
                f"{site['rps'] / floor['rps']:.2f}",
                f"{site['load']}/{floor['load']}",
                "yes" if ok else "no",
            )
        )
    return out


HEADERS = (
    "signed-in path",
    "site p50/p95/p99, req/s",
    "site CPU/req (+ database)",
    "static same bytes",
    "static CPU/req",
    "site/static req/s",
    "load site/static",
    "≥ 500/s, p99 ≤ 100 ms",
)


def main(argv: list[str] | None = None) -> dict:
    from bench import corpus as corpora

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default="10k", choices=corpora.ALL)
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="a catalogue nobody may write to: in-memory members, signed-cookie sessions",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="with --read-only: the PostgreSQL catalogue (corpora/postgres-<corpus>.json)",
    )
    parser.add_argument("--readers", type=int, default=50, help="with --read-only")
    parser.add_argument("--papers", type=int, default=20, help="with --read-only")
    parser.add_argument("--only", default="", help="measure only the groups whose name has this")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if args.read_only:
        # Never corpora.corpus(): it rebuilds a catalogue whose recorded env differs from this
        # worktree's (a linked shared one does), and a shared catalogue must not be written.
        backend = "postgres" if args.postgres else "sqlite"
        described = corpora.CORPORA_DIR / f"{backend}-{args.corpus}.json"
        if not described.exists():
            sys.exit(f"{described} is missing: link the shared catalogue's json and folder there")
        env, label = json.loads(described.read_text())["env"], f"{backend}/{args.corpus}"
    else:
        catalogue = corpora.corpus(args.corpus, "sqlite")
        env, label = catalogue.env, catalogue.label
    results = run(
        env,
        label.replace("/", "-"),
        args.duration,
        read_only=args.read_only,
        readers=args.readers,
        papers=args.papers,
        only=args.only,
    )
    print(
        f"\n{label}, signed in as {results['readers']} reader(s):"
        f" wrk -c{http.CONNECTIONS}, gunicorn {http.WORKERS} workers, {args.duration:g} s a group"
    )
    print(table(rows(results), HEADERS))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
