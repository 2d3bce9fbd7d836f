"""Account mails go through the task queue: a broken mail server fails no request, the mail
is retried until it goes out, and no live link is stored with the queued task."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from paperfeed.accounts import services
from paperfeed.core.mail import RETRY_MINUTES
from tests.factories import UserFactory
from tests.helpers import delivered_after_an_outage, free_port, queued_tasks

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough pass phrase 42"


def _mail_tasks():
    return queued_tasks("account_mail_send")


def test_sign_up_while_the_mail_server_is_down_then_the_retry_delivers(
    client, settings, smtp_server, run_tasks
):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    response = client.post(
        "/accounts/signup",
        {
            "username": "ada",
            "email": "ada@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert User.objects.filter(username="ada").exists()

    mail = delivered_after_an_outage(
        tasks=_mail_tasks(),
        run_tasks=run_tasks,
        smtp_server=smtp_server,
        settings=settings,
        working_port=working_port,
        to="ada@example.org",
    )
    assert "/accounts/verify/" in smtp_server.body(mail)


def test_the_queue_holds_no_live_link(client, smtp_server, run_tasks):
    UserFactory(username="grace", email="grace@example.org")
    client.post("/accounts/password/reset", {"email": "grace@example.org"})
    [task] = _mail_tasks()
    assert task.args_kwargs["kwargs"] == {
        "kind": "reset",
        "user_id": User.objects.get(username="grace").pk,
        "email": "grace@example.org",
        "attempt": 1,
    }
    run_tasks()
    [mail] = smtp_server.to("grace@example.org")
    assert "/accounts/password/reset/" in smtp_server.body(mail)


def test_a_deleted_account_gets_no_mail(client, smtp_server, run_tasks):
    user = UserFactory(username="gone", email="gone@example.org")
    services.account_mail_queue(kind="verify", user=user, email=user.email)
    User.objects.filter(pk=user.pk).update(is_active=False)
    run_tasks()
    assert smtp_server.messages == []
    assert _mail_tasks().get().return_value == "skipped"


def test_retries_stop(settings, run_tasks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    user = UserFactory(username="ada", email="ada@example.org")
    attempts = len(RETRY_MINUTES) + 1
    result = services.account_mail_deliver(
        kind="verify", user_id=user.pk, email=user.email, attempt=attempts
    )
    assert result == "gave up"
    assert not _mail_tasks().exists()


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError):
        services.account_mail_queue(kind="spam", user=UserFactory(), email="x@example.org")
