"""Several hosts on one PostgreSQL and one Redis: two web hosts (`paperfeed web`, gunicorn with
two workers each) and one worker host (`paperfeed worker`), each in its own network namespace
when the machine allows it (root and `ip netns`), else as separate processes on loopback.

Under a steady load of reads and writes spread over the web hosts (as a load balancer would:
a host that refuses connections gets no more requests), the test
- counts one member's comments through both hosts at once: the limit holds exactly;
- imports papers on the worker host and has a curator hide one: search and similar papers give
  the same answers on both web hosts within the bound of docs/operations.md;
- kills web host 1 (kill -9): only requests in flight at that moment may fail;
- kills the worker in the middle of a digest and starts it again: every subscriber gets their
  digest, none twice (but the one message in flight, resent with the same Message-ID).

Needs PostgreSQL (the suite's DATABASE_URL) and Redis (REDIS_URL, or a redis-server binary);
skipped with a message otherwise. Runs in about a minute.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from tests.core.hostnet import (
    Balancer,
    HostFailure,
    Network,
    Outcome,
    Relay,
    consistent_within,
    write_snapshot,
)
from tests.digests.conftest import Sink
from tests.factories import SubscriberFactory, UserFactory, catalogue_paper
from tests.helpers import free_port

REPO = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 120
BASE_PAPERS = 150
NEW_PAPERS = 12
LOAD_THREADS = 6
COMMENT_LIMIT = 20
# The bound docs/operations.md promises: a change shows on every web host within the page cache
# lifetime (PAPERFEED_PAGE_CACHE_SECONDS, 5 s); similar papers once the worker's neighbour
# build after the import has finished, plus the same 5 s.
PAGE_CACHE_SECONDS = 5
SLACK_SECONDS = 3
SIMILAR_BUILD_BOUND = 60

WORDS = [
    *[
        "attention",
        "diffusion",
        "graph",
        "speech",
        "vision",
        "language",
        "retrieval",
        "robot",
        "protein",
        "reasoning",
    ],
    *[
        "transformer",
        "policy",
        "reward",
        "sparse",
        "quantum",
        "federated",
        "privacy",
        "benchmark",
        "segmentation",
    ],
    "video",
]


class SlowSink(Sink):
    """A few milliseconds per message, so the kill lands in the middle of the digest run."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


def _reads(paper_ids: list[str]) -> list[str]:
    topic = random.choice(WORDS)
    paper = random.choice(paper_ids)
    return [
        "/",
        "/papers/new",
        f"/search?q={topic}",
        f"/api/papers/search?q={quote(topic + ' ' + random.choice(WORDS))}&mode=keyword",
        f"/api/papers/{paper}",
        f"/api/papers/{paper}/similar",
        f"/papers/{paper}",
        "/api/daily_papers",
        "/feeds/daily.rss",
    ]


def _load(balancer: Balancer, stop: threading.Event, outcomes: list, paper_ids, token: str):
    rng = random.Random(threading.get_ident())
    while not stop.is_set():
        if rng.random() < 0.15:
            method, path = (
                rng.choice(["POST", "DELETE"]),
                f"/api/papers/{rng.choice(paper_ids)}/upvote",
            )
            headers = {"Authorization": f"Bearer {token}"}
        else:
            method, path, headers = "GET", rng.choice(_reads(paper_ids)), {}
        started = time.monotonic()
        try:
            host, status, _ = balancer.request(method, path, headers=headers)
            outcomes.append(Outcome(started, time.monotonic(), host, path, status=status))
        except Exception as exc:
            host = exc.host if isinstance(exc, HostFailure) else -1
            outcomes.append(
                Outcome(started, time.monotonic(), host, path, error=f"{type(exc).__name__}: {exc}")
            )


def _database_url(address: str, port: int) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{address}:{port}/{db['NAME']}"


@pytest.fixture
def network():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the several-hosts test needs PostgreSQL: run it with DATABASE_URL=postgres://…"
        )
    net = Network.create(hosts=3)
    try:
        yield net
    finally:
        net.destroy()


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_two_web_hosts_and_a_worker_survive_kills_and_agree(network, redis_url, tmp_path):
    db = connection.settings_dict
    redis = urlsplit(redis_url)
    sink = SlowSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    relay = Relay(
        listen_on=network.gateways,
        targets={
            "pg": (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)),
            "redis": (redis.hostname or "127.0.0.1", redis.port or 6379),
            "smtp": ("127.0.0.1", smtp_port),
        },
    )
    data_dir = tmp_path / "data"  # shared by the hosts, as docs/operations.md asks
    data_dir.mkdir()
    processes: list[subprocess.Popen] = []

    def env_for(host: int) -> dict[str, str]:
        gateway = network.gateways[host]
        return {
            **os.environ,
            "DATABASE_URL": _database_url(gateway, relay.port(host, "pg")),
            "REDIS_URL": f"redis://{gateway}:{relay.port(host, 'redis')}{redis.path or '/0'}",
            "SECRET_KEY": django_settings.SECRET_KEY,
            "PAPERFEED_DATA_DIR": str(data_dir),
            "PAPERFEED_SITE_URL": "https://papers.example.org",
            "ALLOWED_HOSTS": "*",
            "EMAIL_HOST": gateway,
            "EMAIL_PORT": str(relay.port(host, "smtp")),
            "PAPERFEED_SCHEDULER": "false",
            # No network in tests: first-page thumbnails would ask arxiv.org for each featured
            # paper, holding the one worker (3 s apart, retried) ahead of the neighbour build.
            "PAPERFEED_THUMBNAILS": "false",
            "PAPERFEED_RATE_COMMENT": f"{COMMENT_LIMIT}/h",
            "PAPERFEED_RATE_API_READ_IP": "",
            "PAPERFEED_RATE_API_WRITE_IP": "",
            "PAPERFEED_RATE_API_TOKEN": "",
            "PAPERFEED_RATE_UPVOTE": "",
            "PAPERFEED_PAGE_CACHE_SECONDS": str(PAGE_CACHE_SECONDS),
            "PAPERFEED_DIGEST_CONNECT_PAUSE_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
        }

    def start(host: int, *args: str) -> subprocess.Popen:
        log = (tmp_path / f"host{host}-{args[0]}-{len(processes)}.log").open("wb")
        child = network.run(
            host,
            [sys.executable, "-m", "paperfeed", *args],
            env=env_for(host),
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(child)
        return child

    def run_once(host: int, *args: str, timeout: float = 120) -> None:
        child = network.run(
            host,
            [sys.executable, "-m", "paperfeed", *args],
            env=env_for(host),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        out, _ = child.communicate(timeout=timeout)
        assert child.returncode == 0, out.decode()[-3000:]

    WORKER = 2
    try:
        # --- The catalogue, a member, subscribers (written here as an operator would) ------
        base = tmp_path / "base.jsonl"
        base_ids = write_snapshot(base, 1, BASE_PAPERS, words=WORDS)
        run_once(WORKER, "ingest", "file", str(base), "--no-progress")
        today = timezone.localdate()
        for n in range(3):
            catalogue_paper(f"2602.9000{n}", title=f"Featured {WORDS[n]}", featured_on=today)
        run_once(WORKER, "similar", "build", "--full")
        member = UserFactory(verified=True)
        from paperfeed.accounts.services import token_create

        token = token_create(user=member, name="load")
        subscribers = SubscriberFactory.create_batch(SUBSCRIBERS)

        # --- The hosts ---------------------------------------------------------------------
        webs = []
        for host in (0, 1):
            address, port = network.web_address(host)
            webs.append((address, port))
            start(host, "web", "--bind", f"{address}:{port}", "--workers", "2")
        worker = start(WORKER, "worker", "--no-scheduler", "--interval", "0.2")
        balancer = Balancer(hosts=webs)
        for host in (0, 1):
            network.wait_listening(*webs[host], timeout=60)

        stop = threading.Event()
        outcomes: list[Outcome] = []
        load = [
            threading.Thread(
                target=_load, args=(balancer, stop, outcomes, base_ids, token), daemon=True
            )
            for _ in range(LOAD_THREADS)
        ]
        for thread in load:
            thread.start()
        time.sleep(2)

        # --- Rate limits are exact across hosts ---------------------------------------------
        statuses: list[int] = []

        def comment(n: int) -> None:
            _, status, _ = balancer.request(
                "POST",
                f"/api/papers/{base_ids[0]}/comment",
                body=json.dumps({"comment": f"note {n}"}).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                host=n % 2,
            )
            statuses.append(status)

        writers = [threading.Thread(target=comment, args=(n,)) for n in range(2 * COMMENT_LIMIT)]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
        assert Counter(statuses) == {201: COMMENT_LIMIT, 429: COMMENT_LIMIT}, Counter(statuses)

        # --- An import and a curator's change show the same on both hosts, within the bound --
        new = tmp_path / "new.jsonl"
        new_ids = write_snapshot(new, 500, NEW_PAPERS, words=WORDS, topic="zymurgy")
        run_once(WORKER, "ingest", "file", str(new), "--no-progress")
        search = "/api/papers/search?q=zymurgy&mode=keyword&limit=50"
        seconds = consistent_within(
            balancer,
            search,
            [0, 1],
            lambda ids: set(ids) == set(new_ids),
            PAGE_CACHE_SECONDS + SLACK_SECONDS,
        )
        print(f"search agreed on both hosts {seconds:.1f} s after the import")
        seconds = consistent_within(
            balancer,
            f"/api/papers/{new_ids[0]}/similar",
            [0, 1],
            lambda ids: len(ids) > 0,
            SIMILAR_BUILD_BOUND + PAGE_CACHE_SECONDS,
        )
        print(f"similar papers agreed on both hosts {seconds:.1f} s after the import")
        from paperfeed.papers.models import Paper
        from paperfeed.papers.services import paper_hide

        curator = UserFactory(is_staff=True)
        paper_hide(curator=curator, paper=Paper.objects.get(arxiv_id=new_ids[0]))
        seconds = consistent_within(
            balancer,
            search,
            [0, 1],
            lambda ids: set(ids) == set(new_ids[1:]),
            PAGE_CACHE_SECONDS + SLACK_SECONDS,
        )
        print(f"a hidden paper left search on both hosts {seconds:.1f} s after the curator")

        # --- Kill web host 1 under load -----------------------------------------------------
        network.kill(processes[0])
        # Gone once its port refuses connections (a gunicorn worker may outlive the master by
        # a moment); requests that started before may have been in the dying host's hands.
        network.wait_refused(*webs[0], timeout=30)
        killed_at = time.monotonic()
        time.sleep(5)
        assert 0 in balancer.down

        # --- Kill the worker in the middle of a digest, start it again -------------------------
        from paperfeed.digests import outbox
        from paperfeed.digests.models import Delivery
        from paperfeed.digests.tasks import send_due_digests

        outbox.deliveries_enqueue(force=True, frequency="daily")
        send_due_digests.enqueue()
        deadline = time.monotonic() + 60
        while len(sink.messages) < SUBSCRIBERS // 4:
            assert time.monotonic() < deadline, "the worker sent no digest"
            assert worker.poll() is None
            time.sleep(0.01)
        network.kill(worker)
        assert Delivery.objects.filter(state="sending").exists()
        start(WORKER, "worker", "--no-scheduler", "--interval", "0.2")
        send_due_digests.enqueue()  # what the scheduler's next slot does
        deadline = time.monotonic() + 90
        while Delivery.objects.exclude(state="sent").exists():
            assert time.monotonic() < deadline, Counter(
                Delivery.objects.values_list("state", flat=True)
            )
            time.sleep(0.2)

        time.sleep(1)
        stop.set()
        for thread in load:
            thread.join(60)
    finally:
        for child in processes:
            network.kill(child)
        relay.close()
        controller.stop()

    # --- Judgement --------------------------------------------------------------------------
    failed = [o for o in outcomes if o.error is not None]
    in_flight = [o for o in failed if o.started <= killed_at]
    assert len(failed) == len(in_flight) <= LOAD_THREADS, failed[:20]
    assert all(o.host == 0 for o in failed), failed
    statuses_seen = Counter(o.status for o in outcomes if o.status is not None)
    assert not [s for s in statuses_seen if s >= 500], statuses_seen
    assert set(statuses_seen) <= {200, 201, 204, 301, 302, 304}, statuses_seen
    assert sum(statuses_seen.values()) > 200, statuses_seen
    after_kill = [o for o in outcomes if o.started > killed_at + 1 and o.error is None]
    assert after_kill and all(o.host == 1 for o in after_kill)

    copies = Counter(m["X-Envelope-To"] for m in sink.messages)
    assert set(copies) == {s.email for s in subscribers}  # none lost
    doubled = [address for address, n in copies.items() if n > 1]
    assert len(doubled) <= 1  # only the one in flight at the kill, and with one Message-ID
    for address in doubled:
        assert copies[address] == 2
        assert len({m["Message-ID"] for m in sink.messages if m["X-Envelope-To"] == address}) == 1
