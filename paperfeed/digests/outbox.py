"""The digest outbox: enqueueing the due digests and sending them.

Sending is resumable. Each outbox row moves pending -> sending -> sent, and the move to "sent"
is committed right after the SMTP server accepts that one message, before the next is sent. If
the sender dies (even by kill -9), rows it held in "sending" go back to the queue: at once when
the dead process was on this host, otherwise when its lease runs out. So every subscriber gets
exactly one copy, except that the one message in flight at the moment of the kill -- accepted by
the SMTP server, but not yet marked sent -- is sent once more, with the same Message-ID.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
import time as time_module
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from paperfeed.core.mail import smtp_verdict
from paperfeed.digests import addresses, emails, schedule, selectors
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
    dry_run_preview: str = ""


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_new_key()[:6]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release_dead_claims() -> int:
    """Put back rows held in "sending" by a process of this host that no longer exists."""
    host = socket.gethostname()
    dead = []
    for holder in (
        Delivery.objects.filter(state=Delivery.State.SENDING)
        .values_list("claimed_by", flat=True)
        .distinct()
    ):
        name, _, rest = holder.partition(":")
        pid = rest.partition(":")[0]
        if name == host and pid.isdigit() and not _pid_alive(int(pid)):
            dead.append(holder)
    if not dead:
        return 0
    return Delivery.objects.filter(state=Delivery.State.SENDING, claimed_by__in=dead).update(
        state=Delivery.State.PENDING, claimed_by="", claimed_at=None
    )


def _due(now: datetime) -> Q:
    lease = timedelta(minutes=settings.PAPERFEED_DIGEST_LEASE_MINUTES)
    return (
        Q(state=Delivery.State.PENDING)
        | Q(state=Delivery.State.FAILED, next_attempt_at__lte=now)
        | Q(state=Delivery.State.SENDING, claimed_at__lt=now - lease)
    )


def _claim(*, worker: str, size: int, subscriber_ids: list[int] | None) -> list[Delivery]:
    now = timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.filter(_due(now))
        if subscriber_ids is not None:
            rows = rows.filter(subscriber_id__in=subscriber_ids)
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return []
        # The due condition again in the UPDATE: on PostgreSQL a concurrent sender that got
        # the same ids blocks here and then finds them no longer due.
        Delivery.objects.filter(_due(now), pk__in=ids).update(
            state=Delivery.State.SENDING, claimed_by=worker, claimed_at=now
        )
    return list(
        Delivery.objects.filter(pk__in=ids, state=Delivery.State.SENDING, claimed_by=worker)
        .select_related("subscriber")
        .order_by("pk")
    )


def _finish(delivery: Delivery, **values: object) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(claimed_by="", claimed_at=None, **values)


def _release(deliveries: Iterable[Delivery], *, worker: str) -> None:
    Delivery.objects.filter(
        pk__in=[d.pk for d in deliveries], state=Delivery.State.SENDING, claimed_by=worker
    ).update(state=Delivery.State.PENDING, claimed_by="", claimed_at=None)


def _retry_later(deliveries: Iterable[Delivery], error: str) -> int:
    """Transient failure: back to the queue with a backoff, or given up after too many tries."""
    now = timezone.now()
    count = 0
    for delivery in deliveries:
        attempts = delivery.attempts + 1
        if attempts >= settings.PAPERFEED_DIGEST_MAX_ATTEMPTS:
            _finish(
                delivery,
                state=Delivery.State.FAILED,
                attempts=attempts,
                next_attempt_at=None,
                last_error=f"gave up: {error}"[:2000],
            )
        else:
            delay = schedule.retry_delay(attempts=attempts)
            _finish(
                delivery,
                state=Delivery.State.FAILED,
                attempts=attempts,
                next_attempt_at=now + timedelta(seconds=delay),
                last_error=error[:2000],
            )
        count += 1
    return count


def _hard_failure(delivery: Delivery, error: str) -> None:
    """A permanent 5xx for this address: this digest is failed for good, and after
    PAPERFEED_DIGEST_MAX_HARD_BOUNCES of them in a row the address is no longer mailed."""
    _finish(
        delivery,
        state=Delivery.State.FAILED,
        attempts=delivery.attempts + 1,
        next_attempt_at=None,
        last_error=error[:2000],
    )
    Subscriber.objects.filter(pk=delivery.subscriber_id).update(
        hard_failures=F("hard_failures") + 1
    )
    Subscriber.objects.filter(
        pk=delivery.subscriber_id,
        status=Subscriber.Status.CONFIRMED,
        hard_failures__gte=settings.PAPERFEED_DIGEST_MAX_HARD_BOUNCES,
    ).update(status=Subscriber.Status.BOUNCING)


class _Connection:
    """One SMTP connection reused for many messages, reopened with backoff when it drops."""

    def __init__(self, *, retries: int, pause: float) -> None:
        self.backend = get_connection(fail_silently=False)
        self.retries = retries
        self.pause = pause
        self.is_open = False

    def open(self) -> bool:
        for attempt in range(self.retries):
            try:
                self.backend.open()
                self.is_open = True
                return True
            except (smtplib.SMTPException, OSError) as exc:
                logger.warning("SMTP server unreachable (attempt %d): %s", attempt + 1, exc)
                self.drop()
                if attempt + 1 < self.retries:
                    time_module.sleep(self.pause * 2**attempt)
        return False

    def drop(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.backend.close()
        self.backend.connection = None
        self.is_open = False


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
        rows = Delivery.objects.filter(_due(timezone.now())).select_related("subscriber")
        if subscriber_ids is not None:
            rows = rows.filter(subscriber_id__in=subscriber_ids)
        for delivery in rows.order_by("pk"):
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

    _release_dead_claims()
    worker = _worker_name()
    connection = _Connection(
        retries=connect_retries or settings.PAPERFEED_DIGEST_CONNECT_RETRIES,
        pause=settings.PAPERFEED_DIGEST_CONNECT_PAUSE_SECONDS
        if connect_pause is None
        else connect_pause,
    )
    try:
        while True:
            batch = _claim(worker=worker, size=batch_size, subscriber_ids=subscriber_ids)
            if not batch:
                break
            anchors = selectors.last_anchors(subscriber_ids=[d.subscriber_id for d in batch])
            for index, delivery in enumerate(batch):
                try:
                    outcome = _send_delivery(delivery, builder, anchors, connection, report)
                except Exception:
                    # An error no SMTP rule covers (a mail backend that does not work): this
                    # batch's unfinished rows go back to the queue, not stay "sending".
                    _release(batch[index:], worker=worker)
                    raise
                if progress is not None:
                    progress(1)
                if outcome == "unreachable":
                    report.retry_later += _retry_later(batch[index:], "SMTP server unreachable")
                    report.smtp_unreachable = True
                    return report
    finally:
        connection.drop()
    return report


def _send_delivery(
    delivery: Delivery,
    builder: emails.DigestBuilder,
    anchors: dict[tuple[int, str], date],
    connection: _Connection,
    report: SendReport,
) -> str:
    subscriber = delivery.subscriber
    if subscriber.status != Subscriber.Status.CONFIRMED:
        _finish(
            delivery, state=Delivery.State.SKIPPED, last_error=f"subscriber {subscriber.status}"
        )
        report.skipped += 1
        return "skipped"
    frequency = delivery.period.partition(":")[0]
    rendered = builder.render(
        subscriber=subscriber,
        period=delivery.period,
        last_anchor=anchors.get((subscriber.pk, frequency)),
    )
    if rendered is None:
        _finish(delivery, state=Delivery.State.SKIPPED, last_error="nothing new")
        report.skipped += 1
        return "skipped"
    message = emails.digest_message(
        subscriber=subscriber, period=delivery.period, rendered=rendered
    )
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
            if permanent:
                _hard_failure(delivery, text)
                report.failed += 1
            else:
                report.retry_later += _retry_later([delivery], text)
            return "failed"
        except OSError as exc:
            logger.warning("SMTP connection lost: %s", exc)
            connection.drop()
            continue
        # Committed before the next message goes out: this is what makes a resend after a
        # crash limited to the one message in flight.
        _finish(
            delivery,
            state=Delivery.State.SENT,
            sent_at=timezone.now(),
            attempts=delivery.attempts + 1,
            message_id=message.extra_headers["Message-ID"],
            anchor=rendered.anchor,
            paper_count=rendered.paper_count,
            last_error="",
        )
        if subscriber.hard_failures:
            Subscriber.objects.filter(pk=subscriber.pk).update(hard_failures=0)
        report.sent += 1
        return "sent"
    return "unreachable"
