"""The site as gunicorn serves it, on a catalogue nobody may write to (the shared 1 M one), with
several distinct signed-in readers that exist only in memory.

A bench-only WSGI module (``gunicorn bench.readonly_app:application``), the same settings as
``paperfeed/wsgi.py`` but for what a read-only catalogue forces:

- the database is opened read-only (SQLite ``mode=ro``; on PostgreSQL every transaction is
  ``READ ONLY``): any write a page tried would fail it loudly (bench/signed_in.py checks every
  path answers 200 as a member before measuring);
- sessions are signed cookies (``django.contrib.sessions.backends.signed_cookies``), so signing
  in writes no session row; a real member's request reads its session from the database (one
  indexed SELECT, which these requests skip);
- the members (``bench-reader-0`` … ``bench-reader-{N-1}``, ids from READER_BASE_ID) are User
  objects held in memory by a stand-in authentication backend; it still runs the user's SELECT
  through the site's own backend (which finds no row), so a request asks what it asks on a
  running site. They have no votes, saves, collections or comments: the reader's one query
  for votes and saves runs and returns nothing, and the pages show no "voted" or "saved" state;
- SQLite still creates an empty ``-wal`` and a ``-shm`` file beside a WAL database opened
  ``mode=ro`` by a user who may write the folder (the main file is not touched, the WAL stays
  at 0 bytes); they may be removed once no process has the catalogue open;
- the rate-limit counters (a SQLite file beside the catalogue, or PostgreSQL's table, by
  default) go to a SQLite file in BENCH_WRITABLE_DIR instead, so nothing is written in the
  shared catalogue.

``python -m bench.readonly_app N`` (same environment) prints, as JSON, N readers' cookies
(session and CSRF, the CSRF secret a browser would hold, so answers do not set a new one) and
the ids of featured papers to read.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
# A web worker keeps its SQLite connection between requests, as paperfeed/wsgi.py sets.
os.environ.setdefault("PAPERFEED_SQLITE_CONN_MAX_AGE", "60")

import django
from django.conf import settings

django.setup()

from django.contrib.auth.backends import ModelBackend  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

READER_BASE_ID = 900_000_000
READERS = int(os.environ.get("BENCH_READERS", "50"))
MEMBERS = {
    READER_BASE_ID + i: User(pk=READER_BASE_ID + i, username=f"bench-reader-{i}", is_active=True)
    for i in range(READERS)
}
BACKEND = "bench.readonly_app.StandInBackend"


# The site's own backend (the first configured) reads the member's row, as on a running site;
# it finds none, so the instance is built from memory instead of from a row.
SiteBackend: type[ModelBackend] = import_string(settings.AUTHENTICATION_BACKENDS[0])


class StandInBackend(SiteBackend):  # type: ignore[valid-type,misc,unused-ignore]
    def get_user(self, user_id):  # type: ignore[no-untyped-def,unused-ignore]
        super().get_user(user_id)  # the query a real member's request runs
        return MEMBERS.get(int(user_id))


def _read_only() -> None:
    database = connections["default"].settings_dict
    if database["ENGINE"] == "django.db.backends.postgresql":
        # Every transaction read-only: a write a page tried fails as loudly as SQLite's mode=ro.
        database.setdefault("OPTIONS", {})["options"] = "-c default_transaction_read_only=on"
    elif database["ENGINE"] != "django.db.backends.sqlite3":
        raise SystemExit("bench.readonly_app serves a SQLite or PostgreSQL catalogue only")
    elif not str(database["NAME"]).startswith("file:"):
        database["NAME"] = f"file:{database['NAME']}?mode=ro"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.AUTHENTICATION_BACKENDS = [BACKEND]
    writable = os.environ.get("BENCH_WRITABLE_DIR")
    if not settings.CACHES["limits"]["BACKEND"].endswith("RedisCache"):
        # SQLite's counter file, or PostgreSQL's counter table, would be written in the
        # catalogue: the counters go to a file of their own, as on a one-host SQLite site.
        if not writable:
            raise SystemExit("set BENCH_WRITABLE_DIR (the rate-limit counters' file goes there)")
        settings.CACHES["limits"] = {
            "BACKEND": "paperfeed.core.cachebackends.SQLiteFileCache",
            "LOCATION": os.path.join(writable, "limits.sqlite3"),
        }
    if "bodies" in settings.CACHES:
        # The members' bodies shared by the workers (core/caching.py, ``across``): a file beside
        # the data, which is the shared catalogue's folder here.
        if not writable:
            raise SystemExit("set BENCH_WRITABLE_DIR (the shared bodies' file goes there)")
        settings.CACHES["bodies"] = {
            **settings.CACHES["bodies"],
            "LOCATION": os.path.join(writable, "bodies.sqlite3"),
        }


_read_only()
application = get_wsgi_application()
try:  # the worker's collector as paperfeed/wsgi.py sets it, in checkouts that have it
    from paperfeed.core.workergc import WARM_REQUESTS, FrozenAfterWarmUp
except ImportError:
    pass
else:
    application = FrozenAfterWarmUp(application, WARM_REQUESTS)


def cookies(pk: int) -> str:
    """The Cookie header value of a signed-in member: a signed session and a CSRF secret."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.utils.crypto import get_random_string

    member = MEMBERS[pk]
    session = SessionStore()
    session[SESSION_KEY] = str(pk)
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    csrf = get_random_string(32)
    return (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    )


def featured_papers(count: int) -> list[str]:
    """The arXiv ids of recent featured papers with an abstract: full paper pages."""
    from paperfeed.papers.models import Paper

    rows = (
        Paper.objects.filter(featured__isnull=False, hidden=False)
        .exclude(abstract="")
        .order_by("-published")
        .values_list("arxiv_id", flat=True)
        .distinct()[:count]
    )
    return list(rows)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else READERS
    print(
        json.dumps(
            {
                "cookies": [cookies(READER_BASE_ID + i) for i in range(min(count, READERS))],
                "papers": featured_papers(int(os.environ.get("BENCH_PAPERS", "20"))),
            }
        )
    )
