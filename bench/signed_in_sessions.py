"""Signed-in readers over HTTP with real database sessions: the bench's own writable copy of a
big catalogue, members signed in through the sign-in form, and the default SESSION_ENGINE (the
session row read on every request), served by ``paperfeed web`` as a site runs it.

bench/signed_in.py ``--read-only`` measures the shared 1 M catalogue, which nobody may write to,
with signed-cookie sessions and members held in memory: no session row is read there. Here:

- a copy of the catalogue: SQLite ``cp --reflink=auto`` of the database file into
  var/bench/sessions-<corpus>/ (5.1 GB at 1 M; the search index is not copied, the list and
  paper pages do not read it), or with ``--postgres`` ``CREATE DATABASE … TEMPLATE`` the shared
  one (nobody may be connected to it while it copies); migrated, then ``--readers`` members
  (``bench-member-N``) created in it;
- each member signs in through ``POST /accounts/login`` of the running server (its CSRF token
  from the form, as a browser does; the sign-in rate limits off for the bench's one address), so
  each has a session row, a session cookie and a CSRF cookie;
- the groups of bench/signed_in.py (the lists, ``--papers`` paper pages, the mix) measured with
  wrk, each request from a random member, beside the static floor of the same bytes;
- after the run, the session rows are read again: a plain page view must write none (no save of
  the session, no expiry moved); the number changed is printed and must be 0.

The copy is dropped at the end unless ``--keep`` (then a later run reuses it).

    .venv/bin/python -m bench.signed_in_sessions [--corpus 1m] [--duration 5] [--keep]
    .venv/bin/python -m bench.signed_in_sessions --postgres [--template paperfeed_bench_h17b_1m]
    BENCH_CODE_DIR=/tmp/base-s45 .venv/bin/python -m bench.signed_in_sessions --keep  (another
        checkout's code serves the same copy)
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench import corpus as corpora
from bench import http as benchhttp
from bench.common import BENCH_VAR, paperfeed, table
from bench.signed_in import HEADERS, LISTS, measure_groups, rows, targets

PASSWORD = "bench member password 7c1e"  # noqa: S105 - the bench's own throwaway members
POSTGRES = "postgres://postgres@127.0.0.1:54330/"

MEMBERS = r"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from paperfeed.papers.models import Paper
users = get_user_model()
count = COUNT
made = [users(username=f"bench-member-{n}", password=make_password(PASSWORD)) for n in range(count)
        if not users.objects.filter(username=f"bench-member-{n}").exists()]
users.objects.bulk_create(made)
papers = list(Paper.objects.filter(featured__isnull=False, hidden=False).exclude(abstract="")
              .order_by("-published").values_list("arxiv_id", flat=True).distinct()[:PAPERS])
print("BENCH", json.dumps({"members": [f"bench-member-{n}" for n in range(count)],
                           "papers": papers}))
"""

SESSIONS = r"""
import json
from django.contrib.sessions.models import Session
print("BENCH", json.dumps({s.session_key: [s.session_data, s.expire_date.isoformat()]
                           for s in Session.objects.all()}))
"""


def _shell(code: str, env: dict[str, str]) -> dict:
    out = paperfeed("shell", "-c", code, env=env).stdout
    return json.loads(next(x for x in out.splitlines() if x.startswith("BENCH "))[6:])


def sqlite_copy(corpus: str) -> tuple[dict[str, str], Path]:
    """The env of the bench's own copy of the SQLite catalogue (made unless it is there)."""
    described = json.loads((corpora.CORPORA_DIR / f"sqlite-{corpus}.json").read_text())["env"]
    source = Path(described["DATABASE_URL"].removeprefix("sqlite:///"))
    folder = BENCH_VAR / f"sessions-{corpus}"
    target = folder / "pf.sqlite3"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"copying {source} to {target} …", flush=True)
        subprocess.run(["cp", "--reflink=auto", str(source), str(target) + ".part"], check=True)
        (folder / "pf.sqlite3.part").rename(target)
    return {"PAPERFEED_DATA_DIR": str(folder), "DATABASE_URL": f"sqlite:///{target}"}, folder


def postgres_copy(template: str, name: str) -> dict[str, str]:
    folder = BENCH_VAR / f"sessions-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    if not exists.strip():
        print(f"CREATE DATABASE {name} TEMPLATE {template} …", flush=True)
        _psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        # The shared 1 M PostgreSQL catalogue was built with an index of that name before
        # papers.0016 added it; that migration re-creates it on the copy.
        _psql(_DROP_PRE_0016_INDEX, database=name)
    return {"PAPERFEED_DATA_DIR": str(folder), "DATABASE_URL": POSTGRES + name}


_DROP_PRE_0016_INDEX = """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM django_migrations
                 WHERE app = 'papers' AND name = '0016_paper_code_index') THEN
    DROP INDEX IF EXISTS paper_code;
  END IF;
END $$;"""


def _psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", POSTGRES + database, "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def sign_in(base: str, username: str) -> str:
    """The Cookie header of ``username`` signed in through the sign-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(base + "/accounts/login", timeout=60) as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token is None:
        raise SystemExit("the sign-in page has no CSRF field")
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    try:
        opener.open(urllib.request.Request(base + "/accounts/login", data=data), timeout=60)
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise SystemExit(f"signing in {username} answered {exc.code}") from exc
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"signing in {username} set no session cookie: {sorted(cookies)}")
    return "; ".join(f"{name}={value}" for name, value in sorted(cookies.items()))


def run(env: dict[str, str], label: str, duration: float, readers: int, papers: int, only: str):
    env = {
        **env,
        "PAPERFEED_RATE_API_READ_IP": "",
        "PAPERFEED_RATE_LOGIN_IP": "100000/h",
        "PAPERFEED_RATE_LOGIN_ACCOUNT": "100000/h",
        "PAPERFEED_SCHEDULER": "false",
        "LOG_LEVEL": "WARNING",
    }
    paperfeed("migrate", "--no-input", env=env)
    made = _shell(f"PASSWORD = {PASSWORD!r}\nCOUNT = {readers}\nPAPERS = {papers}\n" + MEMBERS, env)
    work = Path(tempfile.mkdtemp(prefix="bench-signed-in-sessions-", dir=BENCH_VAR))
    try:
        with benchhttp.server(benchhttp.app_command(), env, f"{label}-sign-in") as (base, _):
            cookies = [sign_in(base, name) for name in made["members"]]
        before = _shell(SESSIONS, env)
        groups = targets(made["papers"], LISTS)
        groups = {name: group for name, group in groups.items() if only in name}
        results = measure_groups(
            benchhttp.app_command(), env, label, cookies, groups, duration, work
        )
        after = _shell(SESSIONS, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["sessions"] = len(before)
    results["session_rows_written"] = sum(
        1 for key in set(before) | set(after) if before.get(key) != after.get(key)
    )
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default="1m")
    parser.add_argument("--postgres", action="store_true", help="a PostgreSQL copy instead")
    parser.add_argument("--template", default="paperfeed_bench_h17b_1m")
    parser.add_argument("--copy-name", default="paperfeed_bench_sessions_1m")
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--papers", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--keep", action="store_true", help="keep the copy for a later run")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if args.postgres:
        env, label = postgres_copy(args.template, args.copy_name), f"postgres/{args.corpus}"
    else:
        env, folder = sqlite_copy(args.corpus)
        label = f"sqlite/{args.corpus}"
    try:
        results = run(
            env, label.replace("/", "-"), args.duration, args.readers, args.papers, args.only
        )
    finally:
        if not args.keep:
            if args.postgres:
                _psql(f'DROP DATABASE IF EXISTS "{args.copy_name}"')
                shutil.rmtree(BENCH_VAR / f"sessions-{args.copy_name}", ignore_errors=True)
            else:
                shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\n{label} (own copy), {results['readers']} members signed in through the form, database"
        f" sessions ({results['sessions']} rows): wrk -c{benchhttp.CONNECTIONS}, gunicorn"
        f" {benchhttp.WORKERS} workers, {args.duration:g} s a group"
    )
    print(table(rows(results), HEADERS))
    print(f"session rows written by the page views: {results['session_rows_written']} (must be 0)")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
