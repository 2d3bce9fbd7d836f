"""Digest sending speed: 10,000 confirmed subscribers with varied preferences, rendered and
delivered by ``deliveries_send`` to a local aiosmtpd sink, beside a baseline that sends one
pre-rendered message the same number of times with plain ``smtplib`` over one connection.

The sink runs in its own process, so both runs pay the same server cost. The ratio
paperfeed / baseline (messages per second) is the share of bare SMTP speed that rendering,
personal order and the outbox bookkeeping (the message stored before it is sent, and one
committed row update after) leave.

It also measures the window a crash can double a message in: from the moment the client has the
server's 250 to the commit that marks the row sent (docs/operations.md, "Digests and crashes").

    .venv/bin/python -m bench.digests_speed [--subscribers 10000] [--papers 120]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import smtplib
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.common import BENCH_VAR, table

SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Sink:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 OK"
c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"""

CATEGORIES = ["cs.CL", "cs.LG", "cs.CV", "cs.AI", "cs.RO", "stat.ML", "eess.AS", "q-bio.BM"]
WORDS = ["speech", "diffusion", "graphs", "robots", "agents", "vision", "protein", "retrieval"]
ZONES = ["UTC", "Europe/Paris", "Asia/Tokyo", "America/New_York", "Australia/Sydney"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup_django(data_dir) -> None:
    os.environ["PAPERFEED_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_catalogue(papers: int) -> None:
    from paperfeed.papers.records import FeaturedRecord, PaperRecord
    from paperfeed.papers.services import papers_upsert

    rng = random.Random(1)
    today = datetime.now(UTC).date()
    records = []
    for n in range(papers):
        when = datetime.now(UTC) - timedelta(days=rng.randint(0, 6))
        cats = rng.sample(CATEGORIES, 2)
        records.append(
            PaperRecord(
                arxiv_id=f"2611.{n + 10000:05d}",
                source="hf_daily",
                version=1,
                title=f"On {rng.choice(WORDS)} and {rng.choice(WORDS)}: study {n} — Ünïcode",
                abstract=f"We study {rng.choice(WORDS)} at scale. " * 8,
                authors=[f"Autor Nummer{n}ß", "Zoë Ångström", "Łukasz K."],
                categories=cats,
                published=when,
                updated=when,
                versions=[(1, when)],
                code_url=f"https://github.com/example/repo{n}" if n % 3 == 0 else None,
                code_stars=n * 7 if n % 3 == 0 else None,
                featured=FeaturedRecord(
                    day=today - timedelta(days=n % 7), upvotes=rng.randint(0, 300)
                ),
            )
        )
    summary = papers_upsert(records=records)
    assert summary.rejected == 0, summary.errors


def make_subscribers(count: int) -> None:
    from django.utils import timezone

    from paperfeed.digests.models import Subscriber

    rng = random.Random(2)
    rows = [
        Subscriber(
            email=f"reader{n}@example.org",
            status=Subscriber.Status.CONFIRMED,
            confirmed_at=timezone.now() - timedelta(days=30),
            frequency=rng.choice(["daily", "daily", "weekly"]),
            timezone=rng.choice(ZONES),
            content=rng.choice(["trending", "featured", "both"]),
            categories=rng.sample(CATEGORIES, rng.randint(0, 2)),
            keywords=rng.sample(WORDS, rng.randint(0, 2)),
            with_code=rng.random() < 0.2,
            only_matching=rng.random() < 0.1,
            paper_count=rng.choice([5, 10, 20]),
        )
        for n in range(count)
    ]
    Subscriber.objects.bulk_create(rows, batch_size=1000)


def baseline(port: int, message: bytes, count: int) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(count):
            smtp.sendmail("digest@localhost", [f"reader{n}@example.org"], message)
    return time.perf_counter() - start


class Window:
    """Times each 250 (the backend returns) and each committed mark_sent, in order."""

    def __init__(self) -> None:
        from django.core.mail.backends.smtp import EmailBackend

        from paperfeed.digests import rows

        self.accepted: list[float] = []
        self.recorded: list[float] = []
        send, mark = EmailBackend.send_messages, rows.mark_sent

        def timed_send(backend, messages):  # type: ignore[no-untyped-def]
            sent = send(backend, messages)
            self.accepted.append(time.perf_counter())
            return sent

        def timed_mark(delivery, **values):  # type: ignore[no-untyped-def]
            mark(delivery, **values)
            self.recorded.append(time.perf_counter())

        EmailBackend.send_messages = timed_send  # type: ignore[method-assign]
        rows.mark_sent = timed_mark

    def summary(self) -> str:
        gaps = sorted((r - a) * 1000 for a, r in zip(self.accepted, self.recorded, strict=True))
        p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
        return (
            f"250 -> committed 'sent', {len(gaps)} messages: median {gaps[len(gaps) // 2]:.2f} ms, "
            f"p99 {p99:.2f} ms, max {gaps[-1]:.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=120)
    args = parser.parse_args()

    data_dir = BENCH_VAR / "digests"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert sink.stdout is not None and sink.stdout.readline().strip() == b"ready"
        os.environ.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), LOG_LEVEL="WARNING")
        setup_django(data_dir)
        make_catalogue(args.papers)
        make_subscribers(args.subscribers)

        from paperfeed.digests import emails, outbox
        from paperfeed.digests.models import Delivery, Subscriber

        # Baseline: one of our own digests, rendered once, sent N times.
        sample = Subscriber.objects.first()
        assert sample is not None
        rendered = emails.DigestBuilder().render(subscriber=sample, period="daily:2026-11-27")
        assert rendered is not None
        message = (
            emails.digest_message(subscriber=sample, period="daily:2026-11-27", rendered=rendered)
            .message()
            .as_bytes(linesep="\r\n")
        )
        base_seconds = baseline(port, message, args.subscribers)

        start = time.perf_counter()
        queued = outbox.deliveries_enqueue(force=True)
        enqueue_seconds = time.perf_counter() - start
        window = Window()
        start = time.perf_counter()
        report = outbox.deliveries_send()
        send_seconds = time.perf_counter() - start
        assert Delivery.objects.filter(state="sent").count() == report.sent
    finally:
        if sink.stdin:
            sink.stdin.close()
        sink.wait(timeout=30)

    base_rate = args.subscribers / base_seconds
    our_rate = report.sent / send_seconds
    print(
        f"{args.subscribers} subscribers, {args.papers} papers; queued {queued} in "
        f"{enqueue_seconds:.2f} s; sent {report.sent}, skipped {report.skipped}; "
        f"message size {len(message)} bytes"
    )
    print(
        table(
            [
                ("smtplib, one pre-rendered message", f"{base_seconds:.2f}", f"{base_rate:.0f}"),
                ("paperfeed deliveries_send", f"{send_seconds:.2f}", f"{our_rate:.0f}"),
            ],
            ("run", "seconds", "messages/s"),
        )
    )
    print(f"ratio paperfeed / baseline: {our_rate / base_rate:.2f} (target >= 0.5)")
    print(window.summary())


if __name__ == "__main__":
    main()
