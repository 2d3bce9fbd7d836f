"""`paperfeed subscribers import/export`, `paperfeed digest send --to`, and the scheduler job."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time

import pytest
from django.core.management import CommandError, call_command

from paperfeed.core.models import ScheduledRun
from paperfeed.core.scheduler import scheduled_jobs, scheduler_tick
from paperfeed.digests import outbox
from paperfeed.digests.models import Delivery, Subscriber
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, text: str):
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_confirmed_list_then_export_round_trips(tmp_path, smtp_server, capsys, run_tasks):
    path = write_csv(
        tmp_path,
        "email,frequency,categories,keywords\n"
        'ada@example.org,weekly,cs.CL cs.LG,"speech, diffusion"\n'
        "grace@bücher.example.org,,,\n"
        "not-an-address,daily,,\n"
        '"evil@example.org\nBcc: x@example.org",daily,,\n'
        "bad-cat@example.org,daily,<script>,\n",
    )
    call_command("subscribers", "import", path, "--confirmed")
    captured = capsys.readouterr()
    assert "2 created, 0 updated, 3 refused" in captured.out
    assert "line 4" in captured.err and "line 5" in captured.err
    ada = Subscriber.objects.get(email="ada@example.org")
    assert (ada.status, ada.frequency) == ("confirmed", "weekly")
    assert ada.categories == ["cs.CL", "cs.LG"] and ada.keywords == ["speech", "diffusion"]
    assert Subscriber.objects.filter(email="grace@xn--bcher-kva.example.org").exists()
    run_tasks()
    assert smtp_server.messages == []  # already opted in: no confirmation mail

    out = tmp_path / "out.csv"
    call_command("subscribers", "export", "--output", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["email"] for r in rows] == ["ada@example.org", "grace@xn--bcher-kva.example.org"]
    assert rows[0]["keywords"] == "speech, diffusion"
    # Importing the export again changes nothing.
    call_command("subscribers", "import", str(out), "--confirmed")
    assert "0 created, 2 updated, 0 refused" in capsys.readouterr().out


def test_import_without_confirmed_asks_each_address(tmp_path, smtp_server, capsys, run_tasks):
    call_command("subscribers", "import", write_csv(tmp_path, "email\nnew@example.org\n"))
    assert Subscriber.objects.get().status == "pending"
    run_tasks()
    assert len(smtp_server.to("new@example.org")) == 1
    with pytest.raises(CommandError):
        call_command("subscribers", "import", write_csv(tmp_path, "name\nx\n"))
    with pytest.raises(CommandError):
        call_command("subscribers", "import", str(tmp_path / "missing.csv"))


def test_send_to_one_address(catalogue, smtp_server, capsys):
    SubscriberFactory(email="one@example.org")
    SubscriberFactory(email="two@example.org")
    call_command("digest", "send", "--period", "daily", "--to", "one@example.org", "--no-progress")
    assert "sent 1" in capsys.readouterr().out
    assert [m["X-Envelope-To"] for m in smtp_server.messages] == ["one@example.org"]
    with pytest.raises(CommandError):
        call_command("digest", "send", "--period", "daily", "--to", "nobody@example.org")


def test_due_subscribers_follow_their_own_time_and_zone(catalogue):
    tokyo = SubscriberFactory(timezone="Asia/Tokyo", send_time=time(8))
    paris = SubscriberFactory(timezone="Europe/Paris", send_time=time(8))
    weekly = SubscriberFactory(frequency="weekly", weekday=4, send_time=time(8))
    # Friday 2026-11-27 00:30 UTC: 09:30 in Tokyo, 01:30 in Paris.
    now = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    assert outbox.deliveries_enqueue(now=now) == 1
    assert Delivery.objects.get().subscriber == tokyo
    # 07:30 UTC: 08:30 in Paris, and Friday 07:30 UTC is not yet 08:00 for the weekly reader.
    assert outbox.deliveries_enqueue(now=datetime(2026, 11, 27, 7, 30, tzinfo=UTC)) == 1
    assert Delivery.objects.filter(subscriber=paris, period="daily:2026-11-27").exists()
    assert outbox.deliveries_enqueue(now=datetime(2026, 11, 27, 8, 0, tzinfo=UTC)) == 1
    assert Delivery.objects.filter(subscriber=weekly, period="weekly:2026-11-23").exists()
    # Ticking again queues nothing twice.
    assert outbox.deliveries_enqueue(now=datetime(2026, 11, 27, 9, 0, tzinfo=UTC)) == 0


def test_the_scheduler_fires_the_digest_job_once_per_slot(db):
    jobs = [job for job in scheduled_jobs() if job.name == "digests-send"]
    assert len(jobs) == 1 and jobs[0].every is not None
    now = datetime(2026, 11, 27, 8, 2, tzinfo=UTC)
    assert scheduler_tick(jobs=jobs, now=now) == ["digests-send"]
    assert scheduler_tick(jobs=jobs, now=now) == []
    assert ScheduledRun.objects.filter(job="digests-send").count() == 1


def test_the_scheduled_task_sends_due_digests(catalogue, smtp_server):
    from paperfeed.digests.tasks import send_due_digests

    SubscriberFactory(send_time=time(0, 0), timezone="Pacific/Kiritimati")
    SubscriberFactory(status="pending")
    result = send_due_digests.call()
    # Kiritimati (UTC+14) is past midnight whatever the hour; on its weekend nothing is due.
    assert result["sent"] == len(smtp_server.messages) <= 1
