from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from django.core.servers import basehttp

from tests import leaks
from tests.helpers import free_port
from tests.loopback import QuietHandler, serving

# pytest-django's live server listens with Django's backlog of 10: the load tests open up to 200
# connections at once, and on a busy machine the overflow is refused or reset instead of waiting.
basehttp.WSGIServer.request_queue_size = 512

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def collection_rank(item: pytest.Item) -> int:
    """0 for a test marked ``slow``, 1 for one marked ``long``, 2 for the rest."""
    if item.get_closest_marker("slow") is not None:
        return 0
    return 1 if item.get_closest_marker("long") is not None else 2


def pytest_configure(config: pytest.Config) -> None:
    leaks.install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    """After each test's teardown: fail it if it left a session on the test database or a child
    process running (tests/leaks.py). After the run's last test the test database is gone: its
    sessions were checked by ``django_db_setup`` below, before it went."""
    try:
        return (yield)
    finally:
        found = leaks.leftovers(database=nextitem is not None)
        if found:
            leaks.report("left running after the test:\n- " + "\n- ".join(found))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):  # type: ignore[no-untyped-def]
    """pytest-django's, plus the leak check of the last test before the test database is
    dropped (a session left on it would make the drop fail with a mere warning)."""
    yield
    try:
        found = leaks.leftovers()
    finally:
        leaks.close()
    if found:
        leaks.report("left running at the end:\n- " + "\n- ".join(found))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (marked ``slow`` or ``long``) first, the slow ones before the others, and
    the rest in their order. A parallel run (`-n auto --dist worksteal`: Makefile, .ci/run)
    hands each worker half of this list and a worker that runs out takes half of what another
    has not started, so the workers end together; in collection order a long test could start
    last and end the run alone (the CiteULike evaluation started 667 s into a 972 s run, at
    load ~10, and took 220 s)."""
    items.sort(key=collection_rank)  # stable: each group keeps its collection order


@pytest.fixture
def shared_dir() -> Path:
    """../shared, the read-only real data; tests that need it skip clearly when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(
            f"real data not present: {SHARED} is missing (it exists on dev machines and CI)"
        )
    return SHARED


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _own_search_index(settings, tmp_path):
    """The search index a test's worker builds lives in that test's own directory: an index
    left in the shared var/ by one test would answer another's searches."""
    settings.PAPERFEED_SEARCH_INDEX_DIR = str(tmp_path / "search-index")
    # Likewise the recommender's trained model.
    settings.PAPERFEED_RECS_DIR = tmp_path / "recs"


@pytest.fixture(autouse=True)
def _fresh_cache(settings, tmp_path):
    """Cached pages, API answers, counts and rate-limit counters never leak between tests."""
    from django.core.cache import cache, caches

    from paperfeed.core import replay

    # The rate-limit counters live in a database table (or Redis), which transactional tests
    # do not roll back: each test counts under its own prefix instead.
    limits = {**settings.CACHES["limits"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    settings.CACHES = {**settings.CACHES, "limits": limits}
    if "bodies" in settings.CACHES:  # the members' bodies shared by processes: a file of its own
        bodies = {**settings.CACHES["bodies"], "LOCATION": str(tmp_path / "bodies.sqlite3")}
        settings.CACHES = {**settings.CACHES, "bodies": bodies}
    cache.clear()
    caches["cards"].clear()
    replay.forget_all()
    yield
    replay.forget_all()
    cache.clear()
    if "cards" in settings.CACHES:  # a test may have replaced CACHES with its own
        caches["cards"].clear()


@pytest.fixture(autouse=True)
def _rate_windows_held(monkeypatch):
    """django-ratelimit counts in fixed windows on the clock ("3/m": each minute, offset by the
    key's hash). A test whose requests cross a window's edge sees the count start again and no
    429: CI's PostgreSQL phase, at load ~5, had six comments under "3/m" all answered 201. The
    windows' clock is held at the test's start, so each test counts in one window."""
    import time
    import types

    import django_ratelimit.core

    held = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: held))


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """argon2 is slow on purpose; tests that make hundreds of users use a fast hasher instead.

    A test that checks the production hasher is marked ``@pytest.mark.argon2``.
    """
    if request.node.get_closest_marker("argon2") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _Inbox:
    """Mails received by the loopback SMTP server, as parsed email.message.EmailMessage."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address.lower() in m["X-Envelope-To"].lower()]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain", "html")).get_content()


@pytest.fixture
def run_tasks(monkeypatch):
    """Run the queued tasks that are due with the real django-tasks-db worker, in batch mode
    (as `paperfeed worker` would, then return): mails queued by a request go out here."""
    from django_tasks_db.management.commands import db_worker

    from paperfeed.core.processes import make_worker

    # The worker recycles database connections between tasks; here that connection holds the
    # test's transaction, so it must stay open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        make_worker(interval=0, batch=True, startup_delay=False).run()

    return run


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on loopback; Django's SMTP backend delivers to it."""
    from aiosmtpd.controller import Controller

    port = free_port()
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


class _FakeArxiv:
    """Papers the loopback arXiv API knows: {arxiv_id: (title, published datetime, comment)}."""

    def __init__(self) -> None:
        self.papers: dict = {}
        self.requests: list[str] = []
        self.status = 200  # anything else: the API is failing

    def feed(self, ids: list[str]) -> bytes:
        from xml.sax.saxutils import escape

        entries = []
        for raw in ids:
            arxiv_id = raw.split("v")[0] if "v" in raw.split(".")[-1] else raw
            if arxiv_id not in self.papers:
                continue
            title, published, comment = self.papers[arxiv_id]
            stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
            entries.append(
                f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id>"
                f"<title>{escape(title)}</title><updated>{stamp}</updated>"
                f"<summary>An abstract.</summary><published>{stamp}</published>"
                + (f"<arxiv:comment>{escape(comment)}</arxiv:comment>" if comment else "")
                + '<category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>'
                '<arxiv:primary_category term="cs.CL"/>'
                "<author><name>Ada Lovelace</name></author></entry>"
            )
        return (
            "<?xml version='1.0' encoding='UTF-8'?>"
            '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
            "<id>https://arxiv.org/api/x</id><title>q</title>"
            "<updated>2026-01-01T00:00:00Z</updated>"
            f"<opensearch:itemsPerPage>{len(ids)}</opensearch:itemsPerPage>"
            f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
            "<opensearch:startIndex>0</opensearch:startIndex>" + "".join(entries) + "</feed>"
        ).encode()


@pytest.fixture
def arxiv_server(settings):
    """A loopback HTTP server answering arXiv API id_list queries; never the internet."""
    from urllib.parse import parse_qs, urlsplit

    fake = _FakeArxiv()

    class Handler(QuietHandler):
        def do_GET(self):
            fake.requests.append(self.path)
            query = parse_qs(urlsplit(self.path).query)
            ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
            body = fake.feed(ids) if fake.status == 200 else b"Internal Server Error"
            self.reply(fake.status, body, {"Content-Type": "application/atom+xml"})

    with serving(Handler) as url:
        settings.ARXIV_API_URL = f"{url}/api/query"
        yield fake


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server: $PAPERFEED_TEST_REDIS_URL or $REDIS_URL when set (CI sets the first),
    else a private redis-server on loopback; tests that need one skip clearly when neither
    exists."""
    import os
    import shutil
    import subprocess
    import tempfile
    import time

    from redis import Redis

    given = os.environ.get("PAPERFEED_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    if given:
        yield _worker_database(given)
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("Redis not available: set REDIS_URL or install redis-server")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="paperfeed-redis-")
    with leaks.kept_for_the_run():
        server = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=workdir,
            stdout=subprocess.DEVNULL,
        )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            Redis.from_url(url).ping()
            break
        except Exception:
            if time.monotonic() > deadline:
                server.kill()
                pytest.skip("redis-server did not start")
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one a worker (tests/browser, the digest's test).
    Playwright's sync API runs an event loop in this thread, and a second `sync_playwright()`
    in a process that has one fails: every test that drives the browser shares this one.

    That loop stays marked running in this thread between the browser's calls (Playwright
    switches to it in a greenlet of this thread), and Django keeps a thread's database
    connections apart from a running loop's (asgiref's thread-critical Local: the loop
    context's storage instead of the thread's). So the tests before the browser starts and those
    after it use two different connections, and neither was closed: on PostgreSQL the first was
    left after tests/digests/test_browser.py and the second at the worker's end (S90). Each is
    closed here when this thread stops using it."""
    from django.db import connections

    from tests.browser.conftest import ARGS, ARTIFACTS, CHROMIUM, _ensure_chromium

    _ensure_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    # The ORM calls that set up each test's data are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    # A session-scoped fixture starts before the test's database fixtures: no transaction is open.
    connections.close_all()  # the thread's own, which it no longer sees once the loop runs
    with leaks.kept_for_the_run():  # Playwright's driver, a child of this process
        playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()
    finally:
        connections.close_all()  # those made while the loop ran: unseen once it has stopped
        playwright.stop()


def _worker_database(url: str) -> str:
    """A parallel run's worker gwN counts in Redis database N (of Redis's 16), so one worker's
    keys never meet another's; a serial run keeps the database the URL names."""
    import os
    from urllib.parse import urlsplit, urlunsplit

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    return urlunsplit(urlsplit(url)._replace(path=f"/{int(worker[2:]) % 16}"))
