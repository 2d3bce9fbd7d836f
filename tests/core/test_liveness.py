from __future__ import annotations

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from paperfeed.core.liveness import (
    HEARTBEAT_KEEP,
    PRUNE_EVERY,
    gone_from_this_host,
    heartbeat_beat,
    heartbeats_prune,
    heartbeats_prune_due,
    holder_gone,
    host_label,
    process_name,
    process_of,
    runs_abandon,
    tasks_abandon,
)
from paperfeed.core.models import Heartbeat
from paperfeed.papers.tasks import similar_build_task

pytestmark = pytest.mark.django_db


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _running_task(worker_id: str) -> DBTaskResult:
    task = DBTaskResult.objects.get(id=similar_build_task.enqueue().id)
    task.claim(worker_id)
    return task


def test_tasks_whose_worker_is_gone_are_abandoned_others_keep_running():
    host = socket.gethostname()
    dead_here = _running_task(f"{host}:{_dead_pid()}:abc")
    alive_here = _running_task(f"{host}:{os.getpid()}:abc")
    silent_elsewhere = _running_task("other-host:1:abc")
    heartbeat_beat(name="other-host:2:abc", started_at=timezone.now())
    beating_elsewhere = _running_task("other-host:2:abc")
    assert tasks_abandon() == 2
    status = {t.id: t.status for t in DBTaskResult.objects.all()}
    assert status[dead_here.id] == status[silent_elsewhere.id] == "FAILED"
    assert status[alive_here.id] == status[beating_elsewhere.id] == "RUNNING"
    assert "abandoned" in DBTaskResult.objects.get(id=dead_here.id).traceback


def test_a_stale_heartbeat_elsewhere_means_gone():
    from paperfeed.core.models import Heartbeat

    heartbeat_beat(name="other-host:3:abc", started_at=timezone.now())
    Heartbeat.objects.filter(name="other-host:3:abc").update(
        beat_at=timezone.now() - timedelta(minutes=5)
    )
    task = _running_task("other-host:3:abc")
    assert runs_abandon() >= 1
    assert DBTaskResult.objects.get(id=task.id).status == "FAILED"


def test_a_worker_interrupted_by_the_database_abandons_its_own_task():
    worker_id = f"{socket.gethostname()}:{os.getpid()}:mine"
    task = _running_task(worker_id)
    assert tasks_abandon() == 0  # alive, so not swept
    assert tasks_abandon(worker_id=worker_id) == 1
    assert DBTaskResult.objects.get(id=task.id).status == "FAILED"


def test_a_process_name_is_gone_only_when_it_ran_here_and_its_pid_is_gone():
    host = socket.gethostname()
    assert process_of(f"{host}:123:abc") == (host, 123)
    assert process_of("no-pid") == ("no-pid", None)
    assert gone_from_this_host(f"{host}:{_dead_pid()}:abc")
    assert not gone_from_this_host(f"{host}:{os.getpid()}:abc")
    assert not gone_from_this_host(f"other-host:{_dead_pid()}:abc")  # its lease decides
    assert not gone_from_this_host(f"{host}::abc")


# Two hosts of a fleet whose names differ only after their 40th character (Linux allows 64).
LONG_HOST = "worker-" + "x" * 40 + ".eu-west-1.compute.internal"
SIBLING = "worker-" + "x" * 40 + ".us-east-2.compute.internal"


def test_long_host_names_never_share_a_process_name(monkeypatch):
    names = {}
    for host in (LONG_HOST, SIBLING):
        monkeypatch.setattr(socket, "gethostname", lambda host=host: host)
        names[host] = process_name()
        assert len(names[host]) <= 64  # django-tasks-db's worker ids and Heartbeat.name
    (one, _, _), (other, _, _) = (name.split(":") for name in names.values())
    assert one != other
    assert host_label(one) == one  # a label is its own label
    assert host_label("short-host") == "short-host"


def test_a_long_host_knows_its_own_dead_processes(monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: LONG_HOST)
    dead = _dead_pid()
    mine = process_name().split(":")[0]
    assert gone_from_this_host(f"{mine}:{dead}:abc")
    assert gone_from_this_host(f"{LONG_HOST}:{dead}:abc")  # the outbox writes the whole name
    assert not gone_from_this_host(f"{host_label(SIBLING)}:{dead}:abc")  # another host's
    # An import run records the whole host name: still this host.
    now = timezone.now()
    assert holder_gone(host=LONG_HOST, pid=dead, beat_at=now, now=now)
    assert not holder_gone(host=LONG_HOST, pid=os.getpid(), beat_at=None, now=now)


def test_healthz_rows_of_two_long_hosts_are_two_rows(monkeypatch, client):
    for host in (LONG_HOST, SIBLING):
        monkeypatch.setattr(socket, "gethostname", lambda host=host: host)
        assert client.get("/healthz").json()["database"]["writable"] is True
    assert Heartbeat.objects.filter(name__startswith="healthz:").count() == 2


def test_heartbeats_of_processes_gone_for_long_are_pruned():
    now = timezone.now()
    for name, age in (
        ("old-host:1:a", HEARTBEAT_KEEP + timedelta(minutes=1)),
        ("healthz:retired", HEARTBEAT_KEEP + timedelta(days=30)),
        ("recent-host:2:b", HEARTBEAT_KEEP - timedelta(minutes=1)),
        ("live-host:3:c", timedelta(0)),
    ):
        Heartbeat.objects.create(
            name=name, host=name, pid=1, started_at=now - age, beat_at=now - age
        )
    assert heartbeats_prune(now=now) == 2
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {
        "recent-host:2:b",
        "live-host:3:c",
    }


def test_a_worker_prunes_at_most_once_per_interval():
    now = timezone.now()
    old = now - HEARTBEAT_KEEP - timedelta(hours=1)
    heartbeat_beat(name="old-host:1:a", started_at=old)
    Heartbeat.objects.filter(name="old-host:1:a").update(beat_at=old)
    last = now - PRUNE_EVERY / 2
    assert heartbeats_prune_due(last=last) == last  # pruned lately: nothing done
    assert Heartbeat.objects.filter(name="old-host:1:a").exists()
    pruned_at = heartbeats_prune_due(last=now - PRUNE_EVERY)
    assert pruned_at is not None and pruned_at >= now
    assert not Heartbeat.objects.filter(name="old-host:1:a").exists()
