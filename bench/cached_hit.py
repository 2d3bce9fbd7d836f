"""CPU time of one cached anonymous hit through the whole stack, in two checkouts side by side.

    .venv/bin/python -m bench.cached_hit OTHER [--corpus 1m] [--rounds 3] [--hits 400] [PATH ...]

Each checkout runs in a child process of its own against the same read-only catalogue
(``var/bench/corpora/sqlite-<corpus>.json`` of this checkout), calling the WSGI application
gunicorn serves (``paperfeed.wsgi.application``) with an anonymous GET (no cookie): the first
call builds the page copy, the next ``hits`` are cached hits; the figure is CPU time
(``time.process_time``) per hit, best of 5 batches. Rounds alternate between the checkouts so
a busy machine weighs on both alike. It also prints the parts of a hit measured alone in this
checkout's child (``--parts``): URL resolution, the cache read, django-csp's header, the
session and user check; ``--profile`` the wall µs of each middleware and step of one hit
through Django's handler, in each checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import BENCH_VAR

HERE = Path(__file__).resolve().parents[1]
PATHS = (
    "/papers",
    "/papers/new",
    "/papers/trending",
    "/papers/2503.13531",
    "/feeds/daily.rss",
    "/api/daily_papers",
)

CHILD = r"""
import io, json, os, sys, time
root, meta_path, hits = sys.argv[1], sys.argv[2], int(sys.argv[3])
parts = sys.argv[4] == "parts"
profile = sys.argv[4] == "profile"
os.environ.update(json.load(open(meta_path))["env"])
os.environ["PAPERFEED_PAGE_CACHE_SECONDS"] = "3600"
os.environ["PAPERFEED_FEED_CACHE_SECONDS"] = "3600"
os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
# Every API answer is counted, as on a site, but one address never reaches the limit.
os.environ["PAPERFEED_RATE_API_READ_IP"] = "100000000/m"
sys.path.insert(0, root)
from django.conf import settings
# The counters go to this run's own file, never into the (shared, read-only) catalogue's folder
# (set before the first use of the cache; older checkouts have no setting for it).
limits_file = sys.argv[5]
if "LOCATION" in settings.CACHES["limits"] and settings.CACHES["limits"]["LOCATION"].endswith(
    "limits.sqlite3"
):
    settings.CACHES["limits"]["LOCATION"] = limits_file
import django
django.setup()
from django.db import connections
db = connections["default"].settings_dict
if db["ENGINE"].endswith("sqlite3"):
    db["NAME"] = "file:" + str(db["NAME"]) + "?mode=ro"
settings.ALLOWED_HOSTS = ["*"]
from django.core.handlers.wsgi import WSGIHandler
import paperfeed
print("CODE", paperfeed.__file__)
# Profile: a stamp before and after every middleware; a middleware's own time is the time inside
# the stamp before it less the time inside the stamp after it (less one stamp's own cost,
# measured as two stamps with nothing between them at the innermost end).
inside = {}
# What gunicorn serves (a checkout may wrap Django's handler, as paperfeed/wsgi.py does now).
from paperfeed.wsgi import application as app
profiled = app
if profile:
    import types
    stamps = types.ModuleType("bench_stamps")
    sys.modules["bench_stamps"] = stamps
    def stamp(index):
        def init(self, get_response):
            self.get_response = get_response
        def call(self, request):
            started = time.perf_counter_ns()
            try:
                return self.get_response(request)
            finally:
                inside[index] = inside.get(index, 0) + time.perf_counter_ns() - started
        name = f"Stamp{index}"
        setattr(stamps, name, type(name, (), {"__init__": init, "__call__": call}))
        return "bench_stamps." + name
    names = list(settings.MIDDLEWARE)
    stack = []
    for index, name in enumerate(names):
        stack += [stamp(index), name]
    stack += [stamp(len(names)), stamp(len(names) + 1)]
    settings.MIDDLEWARE = stack
    profiled = WSGIHandler()

def call(path, app=app):
    path_info, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path_info, "QUERY_STRING": query,
               "SERVER_NAME": "localhost", "SERVER_PORT": "8000", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b""), "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}
    status = []
    body = b"".join(app(environ, lambda s, h, *a: status.append(s)))
    return status[0], body

for path in sys.argv[6:]:
    status, body = call(path)
    call(path)
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(hits):
            call(path)
        best = min(best, (time.process_time() - started) / hits)
    print(json.dumps([path, status, best * 1e6, len(body)]))
    if profile:
        inside.clear()
        n = hits * 5
        started = time.perf_counter_ns()
        for _ in range(n):
            call(path, profiled)
        total = (time.perf_counter_ns() - started) / n / 1000
        each = {i: v / n / 1000 for i, v in inside.items()}
        last = len(names)
        shim = each.get(last + 1, 0.0) and each[last] - each[last + 1]
        steps = [("WSGI handler, request/response objects, signals", total - each.get(0, 0.0))]
        for i, name in enumerate(names):
            inner = each.get(i + 1, 0.0)
            own = each.get(i, 0.0) - inner - (shim if inner else 0)
            steps.append((name.rsplit(".", 1)[-1], own))
        steps.append(("URL resolution, process_view hooks, view", each.get(last, 0.0) - shim))
        print(json.dumps(["PROFILE", path, total, steps]))

if parts:
    from django.urls import resolve
    from django.core.cache import cache
    from csp.utils import build_policy
    from django.test import RequestFactory
    from django.contrib.auth import get_user
    from django.contrib.sessions.backends.db import SessionStore
    def each(name, fn, n=2000):
        best = float("inf")
        for _ in range(5):
            started = time.process_time()
            for _ in range(n):
                fn()
            best = min(best, (time.process_time() - started) / n)
        print(json.dumps(["PART", name, best * 1e6]))
    each("resolve /papers/new", lambda: resolve("/papers/new"))
    each("resolve /papers/2503.13531", lambda: resolve("/papers/2503.13531"))
    each("cache.get of a page copy", lambda: cache.get("page:x"))
    each("django-csp header (built twice)",
         lambda: (build_policy(), build_policy(report_only=True)))
    request = RequestFactory().get("/papers/new")
    def user():
        request.session = SessionStore(None)
        return get_user(request).is_authenticated
    each("session + anonymous user", user)
"""


def measure(root: Path, meta: Path, hits: int, paths: list[str], mode: str, limits: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DATABASE"))}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(root),
            str(meta),
            str(hits),
            mode,
            str(limits),
            *paths,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        raise SystemExit(f"{root}: the child failed:\n{out.stderr[-3000:]}")
    out = out.stdout
    code_of = next(line.split()[1] for line in out.splitlines() if line.startswith("CODE "))
    if not code_of.startswith(str(root.resolve())):
        raise SystemExit(f"{root}: the child ran the code of {code_of}")
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("[")]
    return {tuple(row[:2]) if row[0] in ("PART", "PROFILE") else row[0]: row[1:] for row in rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. /tmp/base-s37)")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--corpus", default="1m")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hits", type=int, default=400)
    parser.add_argument("--parts", action="store_true")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print wall µs per middleware and step of one hit, in each checkout (first round)",
    )
    args = parser.parse_intermixed_args(argv)
    meta = HERE / "var/bench/corpora" / f"{args.backend}-{args.corpus}.json"
    paths = args.paths or list(PATHS)
    this: list[dict] = []
    other: list[dict] = []
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cached-hit-", dir=BENCH_VAR))
    for round_ in range(args.rounds):
        for side, root in ((this, HERE), (other, args.other)):
            mode = "-"
            if round_ == 0 and args.profile:
                mode = "profile"
            elif round_ == 0 and args.parts and root == HERE:
                mode = "parts"
            side.append(measure(root, meta, args.hits, paths, mode, work / "limits.sqlite3"))
    shutil.rmtree(work, ignore_errors=True)
    print(
        f"load average {os.getloadavg()[0]:.1f}; CPU µs per cached anonymous hit, best of each "
        f"round's 5 batches of {args.hits}, median over {args.rounds} rounds"
    )
    print(f"{'path':32} {'status':>6} {'other':>8} {'this':>8} {'this/other':>10}")
    for path in paths:
        mine = sorted(r[path][1] for r in this)[len(this) // 2]
        theirs = sorted(r[path][1] for r in other)[len(other) // 2]
        print(f"{path:32} {this[0][path][0]:>6} {theirs:8.0f} {mine:8.0f} {mine / theirs:10.2f}")
    for key, value in this[0].items():
        if isinstance(key, tuple) and key[0] == "PART":
            print(f"  part alone (this checkout): {key[1]:36} {value[1]:7.1f} µs")
    for name, side in (("other", other), ("this", this)):
        for key, value in side[0].items():
            if isinstance(key, tuple) and key[0] == "PROFILE":
                _, total, steps = value
                print(f"\nprofile ({name}), {key[1]}: {total:.0f} µs wall a hit (stamps included)")
                for step, micros in steps:
                    if abs(micros) >= 0.5:
                        print(f"  {step:52} {micros:7.1f} µs")


if __name__ == "__main__":
    main()
