"""kill -9 the sender (a separate `paperfeed digest send` process) mid-send and run it again:
every confirmed subscriber ends with exactly one copy, except at most the one message in flight
at each kill, which arrives twice with the same Message-ID."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings

from paperfeed.digests.models import Delivery
from tests.digests.conftest import Sink
from tests.factories import SubscriberFactory
from tests.helpers import free_port

# `python -m paperfeed` from the repository root runs this checkout's code; the console script
# would run whichever checkout the virtualenv was installed from.
REPO = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 150


class SlowSink(Sink):
    """Takes a few milliseconds per message, so the kill lands in the middle of the run."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.004)
        return await super().handle_DATA(server, session, envelope)


def database_url() -> str:
    db = django_settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}"


def sender(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "PAPERFEED_SITE_URL": django_settings.SITE_URL,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "PAPERFEED_SCHEDULER": "false",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "paperfeed", "digest", "send", "--period", "daily", "--no-progress"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.002)


@pytest.mark.django_db(transaction=True)
def test_kill_9_and_resume_sends_each_digest_exactly_once(catalogue):
    subscribers = SubscriberFactory.create_batch(SUBSCRIBERS)
    sink = SlowSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    kills = 0
    try:
        for kill_after in (20, 70):
            child = sender(port)
            wait_for(lambda n=kill_after, c=child: len(sink.messages) >= n or c.poll() is not None)
            assert child.poll() is None, child.communicate()
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            kills += 1
            assert Delivery.objects.filter(state="sending").exists()
        final = sender(port)
        _, err = final.communicate(timeout=120)
        assert final.returncode == 0, err.decode()[-3000:]
    finally:
        controller.stop()

    copies = Counter(m["X-Envelope-To"] for m in sink.messages)
    assert set(copies) == {s.email for s in subscribers}
    doubled = [address for address, n in copies.items() if n > 1]
    # At most the one message in flight at each kill is sent twice ...
    assert len(doubled) <= kills
    assert all(copies[address] == 2 for address in doubled)
    # ... and then with the same Message-ID, so clients show it once.
    for address in doubled:
        ids = {m["Message-ID"] for m in sink.messages if m["X-Envelope-To"] == address}
        assert len(ids) == 1
    assert Delivery.objects.filter(state="sent").count() == SUBSCRIBERS
    assert not Delivery.objects.exclude(state="sent").exists()
