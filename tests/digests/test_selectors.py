"""The outbox's part of /healthz (``outbox_health``), read through /healthz itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from paperfeed.core.liveness import heartbeat_beat, process_name
from paperfeed.digests import outbox, selectors
from paperfeed.digests.models import Delivery
from tests.factories import SubscriberFactory


@pytest.mark.django_db
def test_healthz_shows_a_paused_relay_until_it_accepts_mail_again(client, catalogue, smtp_sink):
    heartbeat_beat(name=process_name(), started_at=timezone.now())
    SubscriberFactory.create_batch(2)
    smtp_sink.refuse["@"] = "554 5.7.1 Relay access denied"
    outbox.deliveries_enqueue(frequency="daily", force=True)
    assert outbox.deliveries_send().relay_paused
    report = client.get("/healthz").json()
    assert report["status"] == "degraded"
    assert report["outbox"]["relay_paused"] is True
    assert "554" in report["outbox"]["relay_error"]
    assert report["outbox"]["retry_waiting"] == 2
    smtp_sink.refuse.clear()
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox.deliveries_send().sent == 2
    report = client.get("/healthz").json()
    assert report["outbox"]["relay_paused"] is False and report["status"] == "ok"


@pytest.mark.django_db
def test_outbox_health_counts_each_state_of_the_unfinished_rows():
    subscribers = SubscriberFactory.create_batch(6)
    later = timezone.now() + timedelta(minutes=5)
    rows = [
        (Delivery.State.PENDING, None),
        (Delivery.State.PENDING, None),
        (Delivery.State.SENDING, None),
        (Delivery.State.FAILED, later),  # waiting for a retry
        (Delivery.State.FAILED, None),  # given up
        (Delivery.State.SENT, None),
    ]
    for subscriber, (state, next_attempt_at) in zip(subscribers, rows, strict=True):
        Delivery.objects.create(
            subscriber=subscriber,
            period="daily:2026-11-27",
            state=state,
            next_attempt_at=next_attempt_at,
            last_error="451 try later" if next_attempt_at else "",
        )
    report = selectors.outbox_health()
    assert report["pending"] == 2
    assert report["sending"] == 1
    assert report["retry_waiting"] == 1
    assert report["given_up"] == 1
    assert report["relay_paused"] is False
