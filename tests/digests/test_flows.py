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


@pytest.mark.long
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


class KillingSink(Sink):
    """Accepts every message and, at message ``kill_at``, kills the sender after taking the
    message but before its 250 leaves: the worst moment, the relay holds a message the sender
    cannot record. At each message it also notes which of the earlier accepted messages the
    outbox has recorded as sent."""

    def __init__(self, kill_at: int) -> None:
        super().__init__()
        self.kill_at = kill_at
        self.sender: subprocess.Popen | None = None
        self.raw: list[tuple[str, bytes]] = []
        self.unrecorded: list[set[str]] = []

    @staticmethod
    def recorded() -> set[str]:
        from django.db import connection

        try:
            return set(Delivery.objects.filter(state="sent").values_list("message_id", flat=True))
        finally:
            connection.close()  # this thread's own connection

    async def handle_DATA(self, server, session, envelope):
        accepted = {message_id for message_id, _ in self.raw}
        # In a thread: Django's ORM does not run inside an event loop.
        self.unrecorded.append(accepted - await asyncio.to_thread(self.recorded))
        reply = await super().handle_DATA(server, session, envelope)
        self.raw.append((self.messages[-1]["Message-ID"], envelope.original_content))
        if len(self.raw) == self.kill_at and self.sender is not None:
            os.kill(self.sender.pid, signal.SIGKILL)
            self.sender.wait()
        return reply


def worker(port: int, data_dir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "PAPERFEED_SITE_URL": django_settings.SITE_URL,
        "PAPERFEED_DATA_DIR": str(data_dir),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "PAPERFEED_SCHEDULER": "false",
        "PAPERFEED_THUMBNAILS": "false",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "paperfeed", "worker", "--no-scheduler", "--interval", "0.1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.django_db(transaction=True)
def test_worker_killed_between_the_relays_250_and_its_commit_resends_only_that_message(
    catalogue, tmp_path, settings
):
    from paperfeed.digests import outbox
    from paperfeed.digests.tasks import send_due_digests

    subscribers = SubscriberFactory.create_batch(24)
    outbox.deliveries_enqueue(force=True, frequency="daily")
    sink = KillingSink(kill_at=9)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sink.sender = worker(port, tmp_path)
        send_due_digests.enqueue()
        wait_for(lambda: sink.sender.poll() is not None, timeout=90)
        assert len(sink.raw) == 9
        assert Delivery.objects.filter(state="sent").count() == 8
        # What the restarted worker's next digest run does (here, to keep the test short).
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        report = outbox.deliveries_send()
        assert report.sent == len(subscribers) - 8
    finally:
        controller.stop()

    copies = Counter(m["X-Envelope-To"] for m in sink.messages)
    assert set(copies) == {s.email for s in subscribers}  # none lost
    killed_id = sink.raw[8][0]
    # Only the message in flight at the kill came twice: same Message-ID, same bytes.
    assert [n for n in copies.values() if n > 1] == [2]
    doubled = [raw for message_id, raw in sink.raw if message_id == killed_id]
    assert len(doubled) == 2 and doubled[0] == doubled[1]
    assert len({message_id for message_id, _ in sink.raw}) == len(subscribers)
    # Whenever the relay took a message, every message it had accepted before was already
    # recorded as sent, but the one the kill left unrecorded.
    assert all(not gap for gap in sink.unrecorded[:9])
    assert all(gap <= {killed_id} for gap in sink.unrecorded[9:])
    assert Delivery.objects.filter(state="sent").count() == len(subscribers)
