"""accounts/services.py: API tokens (stored hashed, revocable), and account mails through the
task queue: a broken mail server fails no request, the mail is retried until it goes out, and
no live link is stored with the queued task."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from paperfeed.accounts import services
from paperfeed.accounts.models import ApiToken
from paperfeed.accounts.services import token_authenticate, token_create, token_revoke
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


# --- API tokens ---


def test_token_is_stored_hashed_and_authenticates():
    user = UserFactory()
    raw = token_create(user=user, name="laptop")
    stored = ApiToken.objects.get(user=user)
    assert raw.startswith("pf_")
    assert raw not in stored.digest and stored.digest != raw
    assert stored.prefix == raw[:11]
    assert token_authenticate(raw=raw) == user
    stored.refresh_from_db()
    assert stored.last_used_at is not None


@pytest.mark.parametrize(
    "forged",
    ["", "pf_", "Bearer x", "pf_" + "A" * 43, "x" * 10_000, "pf_<script>alert(1)</script>aaaaaa"],
)
def test_forged_tokens_are_refused(forged):
    token_create(user=UserFactory(), name="real")
    assert token_authenticate(raw=forged) is None


def test_revoked_token_cannot_be_replayed():
    user = UserFactory()
    raw = token_create(user=user, name="old")
    token = ApiToken.objects.get(user=user)
    assert token_revoke(user=user, token_id=token.pk)
    assert token_authenticate(raw=raw) is None
    assert not token_revoke(user=user, token_id=token.pk)


def test_someone_elses_token_cannot_be_revoked():
    owner, other = UserFactory(), UserFactory()
    raw = token_create(user=owner, name="mine")
    assert not token_revoke(user=other, token_id=ApiToken.objects.get(user=owner).pk)
    assert token_authenticate(raw=raw) == owner


def test_inactive_user_token_is_refused():
    user = UserFactory()
    raw = token_create(user=user, name="t")
    user.is_active = False
    user.save()
    assert token_authenticate(raw=raw) is None
