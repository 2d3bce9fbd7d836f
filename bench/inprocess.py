"""CPU time per request of the same paths in two checkouts, side by side: every cache off, or
(``--signed-in``) as a signed-in reader with the default caches.

    .venv/bin/python -m bench.inprocess OTHER [--signed-in] [--rounds 4] [--reps 12] [PATH ...]

Each checkout serves its own 10k bench catalogue (``var/bench/corpora/sqlite-10k``, built by
``python -m bench.corpus 10k`` with that checkout's code) through Django's test client, in a
child process of its own; the rounds alternate between the two checkouts so a busy machine
weighs on both alike. Time is CPU time (``time.process_time``), best of ``reps`` batches of 4
requests: wall time on a shared machine measures the neighbours. Prints, per path, both times,
the query counts, the bytes, and the ratio this/other.

``--corpus 1m --signed-in --read-only``: a shared catalogue nobody may write to (see
READ_ONLY_READER), with a member held in memory; the load average is printed with the table.

``--signed-in``: the requests come from a member (``bench-reader``, created in each catalogue
with upvotes on the first cards of the home page and of /papers/new), so no page comes from the
anonymous page cache; every other cache keeps its default, as on a running site. The member's
own state (their votes) must show on every page, so each page is checked for an ``is-voted``
button.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PATHS = (
    "/papers",
    "/papers/new",
    "/papers/trending",
    "/search?q=diffusion+model",
    "/papers/2503.13531",
    "/feeds/daily.rss",
    "/api/daily_papers",
    "/api/daily_papers?date=2025-03-18",
)
# What a signed-in reader reads: every list page with cards, search, a paper page.
SIGNED_IN_PATHS = (
    "/papers",
    "/papers/new",
    "/papers/trending",
    "/papers/week/2026-W06",
    "/papers/month/2026-02",
    "/search?q=diffusion+model",
    "/papers/2503.13531",
)

# The member the signed-in benchmarks read as (run inside a set-up Django process): upvotes on the
# first cards of the home page and of /papers/new, trending as a running site serves it (from
# the scores its worker stored, not computed per request), and a discussed paper page (12
# comments, two the reader's). Leaves ``reader`` and ``client`` (signed in) defined.
DISCUSSED = "2503.13531"
READER = (
    f"DISCUSSED = {DISCUSSED!r}\n"
    + r"""
from django.contrib.auth import get_user_model
from django.test import Client
from paperfeed.community.services import upvote_add
from paperfeed.papers import selectors
from paperfeed.papers.models import Paper
from paperfeed.papers.periods import Period
from paperfeed.trending.models import TrendingRun
from paperfeed.trending.scores import trending_scores_recompute
reader, created = get_user_model().objects.get_or_create(username="bench-reader")
if created:
    day = selectors.latest_featured_day()
    voted = selectors.featured_list(period=Period.day(day), limit=5)[0] if day else []
    voted += selectors.new_papers(category=None, limit=5, offset=0)[0]
    for row in voted:
        upvote_add(user=reader, paper=row.paper)
if TrendingRun.objects.first() is None:
    trending_scores_recompute()
# A discussed paper page: 12 comments by 4 members, replies among them, 2 the reader's own.
from paperfeed.community.models import Comment
from paperfeed.community.services import comment_create
discussed = Paper.objects.filter(arxiv_id=DISCUSSED).first()
if discussed is not None and not Comment.objects.filter(paper=discussed).exists():
    members = get_user_model().objects
    others = [members.get_or_create(username=f"bench-talker-{n}")[0] for n in range(3)]
    parent = None
    for n in range(12):
        author = reader if n in (3, 8) else others[n % 3]
        body = f"Comment {n}: the **ablation** in section {n % 5} and [code](https://example.org/{n})."
        made = comment_create(user=author, paper=discussed, body=body, parent=parent)
        parent = made if n % 3 else None
client = Client()
client.force_login(reader)
"""
)

# A member on a catalogue this process must not write to (the shared 1 M one): the database
# opened read-only, the session in a signed cookie, and a member that exists only in memory
# (the checkout's own backend still runs the user's SELECT, so a request asks what it asks on a
# running site, except building the instance from the row it does not find;
# the session read is the one query it skips). No votes or saves: they would be writes.
READ_ONLY_READER = r"""
from django.contrib.auth import user_logged_in
from django.contrib.auth.models import User, update_last_login
from django.db import connections
from django.test import Client
from django.utils.module_loading import import_string
db = connections["default"].settings_dict
if db["ENGINE"] == "django.db.backends.postgresql":  # every transaction read-only
    db.setdefault("OPTIONS", {})["options"] = "-c default_transaction_read_only=on"
else:
    db["NAME"] = "file:" + str(db["NAME"]) + "?mode=ro"
settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
if "bodies" in settings.CACHES:  # the shared bodies' file, not in the catalogue's folder
    import tempfile
    settings.CACHES["bodies"] = {**settings.CACHES["bodies"],
                                 "LOCATION": tempfile.mkdtemp() + "/bodies.sqlite3"}
user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
reader = User(pk=987654321, username="bench-reader", is_active=True)
# The checkout's own backend reads the member's row (it finds none: the member is in memory).
class StandInBackend(import_string(settings.AUTHENTICATION_BACKENDS[0])):
    def get_user(self, user_id):
        super().get_user(user_id)
        return reader
sys.modules["__main__"].StandInBackend = StandInBackend
settings.AUTHENTICATION_BACKENDS = ["__main__.StandInBackend"]
client = Client()
client.force_login(reader, backend="__main__.StandInBackend")
"""

# The same member in memory with a database session (the product's default SESSION_ENGINE,
# its row read on every request): for a writable copy of a catalogue, where signing in writes
# that row (bench/signed_in_db.py --database-sessions).
DATABASE_SESSIONS_READER = READ_ONLY_READER.replace(
    'if db["ENGINE"] == "django.db.backends.postgresql":  # every transaction read-only\n'
    '    db.setdefault("OPTIONS", {})["options"] = "-c default_transaction_read_only=on"\n'
    "else:\n"
    '    db["NAME"] = "file:" + str(db["NAME"]) + "?mode=ro"\n',
    "",
).replace('settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"\n', "")

CHILD = r"""
import json, os, sys, time
root = sys.argv[1]
signed_in = sys.argv[3].startswith("signed-in")
read_only = sys.argv[3] == "signed-in-read-only"
meta = json.load(open(f"{root}/var/bench/corpora/{os.environ['BENCH_CORPUS']}.json"))
os.environ.update(meta["env"])
if not signed_in:
    for kind in ("PAGE", "FEED", "COUNT", "SEARCH", "CARD"):
        os.environ[f"PAPERFEED_{kind}_CACHE_SECONDS"] = "0"
os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
sys.path.insert(0, root)
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
reps = int(sys.argv[2])
client = Client()
import paperfeed
print("CODE", paperfeed.__file__)
if read_only:
    exec(READ_ONLY_READER)
elif signed_in:
    exec(READER)
with override_settings(ALLOWED_HOSTS=["*"]):
    for path in sys.argv[4:]:
        first = client.get(path)
        settings.DEBUG = True
        client.get(path)
        queries = len(connection.queries)
        settings.DEBUG = False
        best = float("inf")
        for _ in range(reps):
            started = time.process_time()
            for _ in range(4):
                client.get(path)
            best = min(best, (time.process_time() - started) / 4)
        # A read-only member has no votes: their page must at least be a member's.
        voted = (b"Sign out" if read_only else b"is-voted") in first.content
        row = [path, first.status_code, best * 1000, queries, len(first.content), voted]
        print(json.dumps(row))
"""


def measure(
    root: Path, paths: list[str], reps: int, mode: str = "anonymous", corpus: str = "sqlite-10k"
) -> dict[str, tuple[int, float, int, int, bool]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DATABASE"))}
    code = f"READER = {READER!r}\nREAD_ONLY_READER = {READ_ONLY_READER!r}\n{CHILD}"
    out = subprocess.run(
        [sys.executable, "-c", code, str(root), str(reps), mode, *paths],
        capture_output=True,
        text=True,
        check=True,
        env={**env, "BENCH_CORPUS": corpus},
    ).stdout
    code_of = next(line.split()[1] for line in out.splitlines() if line.startswith("CODE "))
    if not code_of.startswith(str(root.resolve())):
        raise SystemExit(f"{root}: the child ran the code of {code_of}")
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("[")]
    return {
        path: (status, ms, queries, size, voted) for path, status, ms, queries, size, voted in rows
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a git worktree)")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--reps", type=int, default=12)
    parser.add_argument("--signed-in", action="store_true", help="as a member, default caches")
    parser.add_argument("--corpus", default="10k", help="var/bench/corpora/<backend>-<corpus>.json")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="with --signed-in: a member held in memory, the catalogue opened read-only "
        "(a shared catalogue nobody may write to; the member has no votes)",
    )
    args = parser.parse_intermixed_args(argv)
    mode = "signed-in" if args.signed_in else "anonymous"
    if args.read_only:
        mode = "signed-in-read-only"
    args.paths = args.paths or list(SIGNED_IN_PATHS if args.signed_in else PATHS)
    corpus = f"{args.backend}-{args.corpus}"
    for root in (HERE, args.other):
        if not (root / f"var/bench/corpora/{corpus}.json").exists():
            parser.error(f"{root}: no {args.corpus} catalogue (var/bench/corpora)")
    best: dict[tuple[Path, str], tuple[int, float, int, int, bool]] = {}
    for _ in range(args.rounds):
        for root in (args.other, HERE):
            for path, found in measure(root, args.paths, args.reps, mode, corpus).items():
                key = (root, path)
                if key not in best or found[1] < best[key][1]:
                    best[key] = found
    print(f"load average after the run: {os.getloadavg()}; catalogue {args.corpus}")
    print(f"| path ({mode}) | other ({args.other.name}) | this | this/other |")
    print("|---|---|---|---|")
    for path in args.paths:
        a, b = best[(args.other, path)], best[(HERE, path)]
        # A signed-in page that shows none of the reader's votes would be measuring the wrong
        # page (bench-reader voted for cards on the lists).
        marks = (
            [
                (" (signed in)" if args.read_only else " (own votes shown)") if x[4] else ""
                for x in (a, b)
            ]
            if args.signed_in
            else ["", ""]
        )
        print(
            f"| `{path}` | {a[1]:.1f} ms, {a[2]} q, {a[3] // 1024} KB{marks[0]} "
            f"| {b[1]:.1f} ms, {b[2]} q, {b[3] // 1024} KB{marks[1]} | {b[1] / a[1]:.2f} |"
        )


if __name__ == "__main__":
    main()
