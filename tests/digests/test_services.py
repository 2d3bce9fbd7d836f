"""Subscription mails go through the task queue: a broken mail server fails no subscription,
the mail is retried until it goes out, and no live link is stored with the queued task."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from paperfeed.core.mail import RETRY_MINUTES
from paperfeed.digests import services
from paperfeed.digests.models import Subscriber
from tests.factories import SubscriberFactory
from tests.helpers import delivered_after_an_outage, free_port, queued_tasks

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"https://papers\.example\.org(/digest/confirm/[^\s\"<]+)")


def _mail_tasks():
    return queued_tasks("subscriber_mail_send")


def test_subscribe_while_the_mail_server_is_down_then_the_retry_delivers(
    client, settings, smtp_server, run_tasks
):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    response = client.post(reverse("digests:subscribe"), {"email": "reader@example.org"})
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert Subscriber.objects.get().status == "pending"

    mail = delivered_after_an_outage(
        tasks=_mail_tasks(),
        run_tasks=run_tasks,
        smtp_server=smtp_server,
        settings=settings,
        working_port=working_port,
        to="reader@example.org",
    )
    [path] = CONFIRM_LINK.findall(smtp_server.body(mail))
    # The link, signed by the worker when it sent the mail, confirms the subscription.
    assert client.post(path).status_code == 302
    assert Subscriber.objects.get().status == "confirmed"


def test_the_queue_holds_no_live_link(client, smtp_server, run_tasks):
    client.post(reverse("digests:subscribe"), {"email": "grace@example.org"})
    [task] = _mail_tasks()
    subscriber = Subscriber.objects.get()
    assert task.args_kwargs["kwargs"] == {
        "kind": "confirm",
        "subscriber_id": subscriber.pk,
        "attempt": 1,
    }
    assert subscriber.key not in str(task.args_kwargs)


def test_a_mail_that_no_longer_fits_is_skipped(smtp_server, run_tasks):
    pending = SubscriberFactory(status="pending")
    services.subscriber_mail_queue(kind="confirm", subscriber=pending)
    leaving = SubscriberFactory(status="confirmed")
    services.subscriber_mail_queue(kind="already", subscriber=leaving)
    # Confirmed through another link, and unsubscribed, before the worker came round.
    Subscriber.objects.filter(pk=pending.pk).update(status="confirmed")
    Subscriber.objects.filter(pk=leaving.pk).update(status="unsubscribed")
    run_tasks()
    assert smtp_server.messages == []
    assert sorted(_mail_tasks().values_list("return_value", flat=True)) == ["skipped", "skipped"]


def test_retries_stop(settings, run_tasks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    subscriber = SubscriberFactory(status="pending")
    result = services.subscriber_mail_deliver(
        kind="confirm", subscriber_id=subscriber.pk, attempt=len(RETRY_MINUTES) + 1
    )
    assert result == "gave up"
    assert not _mail_tasks().exists()


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError):
        services.subscriber_mail_queue(kind="spam", subscriber=SubscriberFactory())
