"""The digest outbox: enqueueing the due digests and sending them.

Sending is resumable. Each outbox row moves pending -> sending -> sent. A message is composed
and committed to its row (compressed) before it is sent; the move to "sent" is one UPDATE in its
own transaction, committed right after the SMTP server's 250 for that one message, before the
next is composed or sent. If the sender dies (even by kill -9), rows it held in "sending" go back
to the queue: at once when the dead process was on this host, otherwise when its lease runs out.
So every subscriber gets exactly one copy, except that the one message in flight at the moment
of the kill -- accepted by the SMTP server, but not yet marked sent -- is sent once more: the
stored bytes, so the same Message-ID and the same content (docs/operations.md, "Digests and
crashes": no SMTP client can close that window).
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from paperfeed.core.mail import smtp_verdict
from paperfeed.digests import addresses, emails, relay, rows, schedule, selectors
from paperfeed.digests.models import Delivery, Subscriber, _new_key

logger = logging.getLogger(__name__)


def deliveries_enqueue(
    *,
    now: datetime | None = None,
    frequency: str | None = None,
    force: bool = False,
    email: str | None = None,
) -> int:
    """Create the outbox rows that are due; return how many were new.

    Normally only subscribers whose send moment has come. ``force`` (operators) takes every
    confirmed subscriber of ``frequency`` for the period containing ``now``. Rows that exist
    already are left alone: the unique (subscriber, period) constraint makes this idempotent.
    """
    now = now or timezone.now()
    if force:
        subscribers = Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED)
        if frequency:
            subscribers = subscribers.filter(frequency=frequency)
        if email:
            subscribers = subscribers.filter(email__iexact=addresses.normalize_address(email))
        due: Iterable[tuple[int, str]] = (
            (pk, schedule.period_key(frequency=freq, tz=tz, now=now))
            for pk, freq, tz in subscribers.values_list("pk", "frequency", "timezone").iterator(
                chunk_size=2000
            )
        )
    else:
        due = (
            (pk, period)
            for pk, period in selectors.subscribers_due(now=now)
            if frequency is None or period.startswith(frequency + ":")
        )
    wanted = list(due)
    periods = {period for _, period in wanted}
    existing = set(
        Delivery.objects.filter(period__in=periods).values_list("subscriber_id", "period")
    )
    rows = [Delivery(subscriber_id=pk, period=p) for pk, p in wanted if (pk, p) not in existing]
    if rows:
        # ignore_conflicts: a concurrent enqueue may have created some of them meanwhile.
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry_later: int = 0
    smtp_unreachable: bool = False
    # The relay refused every recipient: the run stopped and will be retried with backoff.
    relay_paused: bool = False
    dry_run_preview: str = ""


def _worker_name() -> str:
    # liveness.process_name's form, with the whole host name (claimed_by holds 120
    # characters; django-tasks' worker ids, 64): gone_from_this_host compares it with ours.
    return f"{socket.gethostname()}:{os.getpid()}:{_new_key()[:6]}"


def deliveries_send(
    *,
    subscriber_ids: list[int] | None = None,
    dry_run: bool = False,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
    connect_retries: int | None = None,
    connect_pause: float | None = None,
) -> SendReport:
    """Send every due outbox row, many messages per SMTP connection; see the module docstring
    for what happens on a crash. ``dry_run`` renders the first digest and changes nothing."""
    report = SendReport()
    builder = emails.DigestBuilder()
    if dry_run:
        due = Delivery.objects.filter(rows.due(timezone.now())).select_related("subscriber")
        if subscriber_ids is not None:
            due = due.filter(subscriber_id__in=subscriber_ids)
        for delivery in due.order_by("pk"):
            rendered = builder.render(subscriber=delivery.subscriber, period=delivery.period)
            if rendered is None:
                report.skipped += 1
                continue
            report.sent += 1
            if not report.dry_run_preview:
                report.dry_run_preview = (
                    emails.digest_message(
                        subscriber=delivery.subscriber, period=delivery.period, rendered=rendered
                    )
                    .message()
                    .as_string()
                )
        return report

    rows.release_dead_claims()
    worker = _worker_name()
    connection = relay.Connection(
        retries=connect_retries or settings.PAPERFEED_DIGEST_CONNECT_RETRIES,
        pause=settings.PAPERFEED_DIGEST_CONNECT_PAUSE_SECONDS
        if connect_pause is None
        else connect_pause,
    )
    verdicts: relay.RunVerdicts[Delivery] = relay.RunVerdicts()
    try:
        while True:
            batch = rows.claim(worker=worker, size=batch_size, subscriber_ids=subscriber_ids)
            if not batch:
                break
            anchors = selectors.last_anchors(subscriber_ids=[d.subscriber_id for d in batch])
            for index, delivery in enumerate(batch):
                try:
                    outcome = _send_delivery(
                        delivery, builder, anchors, connection, report, verdicts
                    )
                except Exception:
                    # An error no SMTP rule covers (a mail backend that does not work): this
                    # batch's unfinished rows go back to the queue, not stay "sending".
                    rows.release(batch[index:], worker=worker)
                    raise
                if progress is not None:
                    progress(1)
                if outcome == "unreachable":
                    held = [refusal.item for refusal in verdicts.release()]
                    report.retry_later += rows.retry_later(
                        held + batch[index:], f"{relay.RELAY_FAULT}SMTP server unreachable"
                    )
                    report.smtp_unreachable = True
                    return report
                if outcome == "relay fault":
                    _relay_pause(verdicts, batch[index + 1 :], report)
                    return report
        if verdicts.relay_at_fault_at_end():
            _relay_pause(verdicts, [], report)
        else:
            _judge(verdicts.release(), report)
    finally:
        connection.drop()
    return report


def _judge(refusals: list[relay.Refusal[Delivery]], report: SendReport) -> None:
    """Refusals the relay made while it accepted others: about their own messages."""
    for refusal in refusals:
        if refusal.of_recipient:
            rows.hard_failure(refusal.item, refusal.error)
            report.failed += 1
        else:
            report.retry_later += rows.retry_later([refusal.item], refusal.error)


def _relay_pause(
    verdicts: relay.RunVerdicts[Delivery], rest: list[Delivery], report: SendReport
) -> None:
    """The relay refuses everyone: put the held and the rest of the batch back for a retry
    with backoff, counting nothing against the subscribers."""
    held = verdicts.release()
    error = f"{relay.RELAY_FAULT}refused every recipient: {held[-1].error}"
    logger.error(
        "The SMTP relay refused %d recipients in a row and accepted none: digests are paused "
        "and retried with backoff; no address is counted as bouncing. Last reply: %s",
        len(held),
        held[-1].error,
    )
    report.retry_later += rows.retry_later([refusal.item for refusal in held], error)
    report.retry_later += rows.retry_later(rest, error, tried=False)
    report.relay_paused = True


def _compose(
    delivery: Delivery, builder: emails.DigestBuilder, anchors: dict[tuple[int, str], date]
) -> emails.DigestMessage | None:
    """This row's message: the one composed by an earlier attempt whose fate is unknown (a
    crash, a lost reply, a retry), or a new one, committed to the row before it is sent.
    None when the period has nothing new for this subscriber."""
    subscriber = delivery.subscriber
    if delivery.message is not None:
        raw = zlib.decompress(delivery.message)
        return emails.stored_digest(subscriber=subscriber, period=delivery.period, raw=raw)
    frequency = delivery.period.partition(":")[0]
    rendered = builder.render(
        subscriber=subscriber,
        period=delivery.period,
        last_anchor=anchors.get((subscriber.pk, frequency)),
    )
    if rendered is None:
        return None
    message = emails.digest_message(
        subscriber=subscriber, period=delivery.period, rendered=rendered
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        message=zlib.compress(message.raw, 1),
        anchor=rendered.anchor,
        paper_count=rendered.paper_count,
    )
    return message


def _send_delivery(
    delivery: Delivery,
    builder: emails.DigestBuilder,
    anchors: dict[tuple[int, str], date],
    connection: relay.Connection,
    report: SendReport,
    verdicts: relay.RunVerdicts[Delivery],
) -> str:
    subscriber = delivery.subscriber
    if subscriber.status != Subscriber.Status.CONFIRMED:
        rows.finish(
            delivery, state=Delivery.State.SKIPPED, last_error=f"subscriber {subscriber.status}"
        )
        report.skipped += 1
        return "skipped"
    message = _compose(delivery, builder, anchors)
    if message is None:
        rows.finish(delivery, state=Delivery.State.SKIPPED, last_error="nothing new")
        report.skipped += 1
        return "skipped"
    for _ in range(2):  # a dropped connection is reopened once before the row is put back
        if not connection.is_open and not connection.open():
            return "unreachable"
        try:
            connection.backend.send_messages([message])
        except smtplib.SMTPException as exc:
            verdict = smtp_verdict(exc)
            if verdict is None:
                connection.drop()
                continue
            permanent, text = verdict
            if not permanent:
                report.retry_later += rows.retry_later([delivery], text)
                return "failed"
            # Judged later: a bounce only if the relay accepts someone else in this run.
            at_fault = verdicts.refuse(delivery, text, of_recipient=relay.is_recipient_refusal(exc))
            return "relay fault" if at_fault else "refused"
        except OSError as exc:
            logger.warning("SMTP connection lost: %s", exc)
            connection.drop()
            continue
        # Nothing between the 250 and this commit: it is what limits a resend after a crash
        # to the one message in flight.
        rows.mark_sent(delivery, message_id=message.extra_headers["Message-ID"])
        if subscriber.hard_failures:
            Subscriber.objects.filter(pk=subscriber.pk).update(hard_failures=0)
        report.sent += 1
        _judge(verdicts.accept(), report)
        return "sent"
    return "unreachable"
