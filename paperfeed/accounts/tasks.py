"""Background tasks of the accounts app (run by the worker)."""

from __future__ import annotations

from django_tasks import task

from paperfeed.accounts import services


@task()
def account_mail_send(*, kind: str, user_id: int, email: str, attempt: int = 1) -> str:
    """Send one account mail queued by :func:`services.account_mail_queue`."""
    return services.account_mail_deliver(kind=kind, user_id=user_id, email=email, attempt=attempt)
