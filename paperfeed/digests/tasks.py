"""Background tasks of the digests app (fired by the scheduler, run by the worker)."""

from __future__ import annotations

from django_tasks import task

from paperfeed.digests import outbox, services


@task()
def send_due_digests() -> dict[str, int]:
    """Queue the digests whose send moment has come, then send everything due (new rows and
    retries). Safe to run in several workers at once: rows are claimed before sending."""
    queued = outbox.deliveries_enqueue()
    report = outbox.deliveries_send()
    return {
        "queued": queued,
        "sent": report.sent,
        "skipped": report.skipped,
        "failed": report.failed,
        "retry_later": report.retry_later,
    }


@task()
def subscriber_mail_send(*, kind: str, subscriber_id: int, attempt: int = 1) -> str:
    """Send one confirmation or already-subscribed mail queued by
    :func:`services.subscriber_mail_queue`."""
    return services.subscriber_mail_deliver(kind=kind, subscriber_id=subscriber_id, attempt=attempt)
