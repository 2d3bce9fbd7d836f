"""Writes for digests: subscribing, confirming, preferences, unsubscribing, importing, and the
outbox (enqueueing and sending).

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
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from paperfeed.core.mail import send_with_retry, smtp_verdict
from paperfeed.digests import addresses, emails, schedule, selectors, tokens
from paperfeed.digests.addresses import InputError
from paperfeed.digests.models import Delivery, Subscriber, _new_key

logger = logging.getLogger(__name__)

MAX_PAPERS = 50


# One-off mails to a (would-be) subscriber, one template folder each (templates/email/<kind>/).
SUBSCRIBER_MAIL_KINDS = ("confirm", "already")


# --- Subscribing ------------------------------------------------------------------------------


def _mail_allowed(email: str) -> bool:
    """At most PAPERFEED_DIGEST_MAILS_PER_ADDRESS_HOUR confirmation-type mails per address, so
    the form cannot be used to flood someone's inbox."""
    key = f"digests:mails:{email.lower()}"
    cache.add(key, 0, 3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
        count = 1
    return count <= settings.PAPERFEED_DIGEST_MAILS_PER_ADDRESS_HOUR


def subscriber_mail_queue(*, kind: str, subscriber: Subscriber) -> None:
    """Queue a confirmation ("confirm") or an already-subscribed note ("already") for the
    worker, in the caller's transaction.

    The form answers at once whatever the mail server is doing, the same way for every
    address. The task holds only the kind and the subscriber's id: the signed link is made
    when the worker composes the mail, so no live token sits in the task table, and a
    confirmation link's lifetime starts when it is sent.
    """
    from paperfeed.digests.tasks import subscriber_mail_send

    if kind not in SUBSCRIBER_MAIL_KINDS:
        raise ValueError(f"unknown subscriber mail {kind!r}")
    subscriber_mail_send.enqueue(kind=kind, subscriber_id=subscriber.pk, attempt=1)


def subscriber_mail_deliver(*, kind: str, subscriber_id: int, attempt: int) -> str:
    """Compose and send one queued subscriber mail; on a passing failure queue the next attempt
    (core.mail.RETRY_MINUTES). Returns what happened: sent, skipped, refused, retry or gave up.

    A mail that no longer fits the subscriber's state is skipped: a confirmation for an address
    confirmed (or unsubscribed) meanwhile, an already-subscribed note for one that has left.
    """
    from paperfeed.digests.tasks import subscriber_mail_send

    wanted = Subscriber.Status.PENDING if kind == "confirm" else Subscriber.Status.CONFIRMED
    subscriber = Subscriber.objects.filter(pk=subscriber_id, status=wanted).first()
    if subscriber is None or kind not in SUBSCRIBER_MAIL_KINDS:
        return "skipped"
    return send_with_retry(
        emails.subscriber_message(kind=kind, subscriber=subscriber).send,
        attempt=attempt,
        what=f"subscriber mail {kind} to subscriber {subscriber_id}",
        retry=lambda run_after: subscriber_mail_send.using(run_after=run_after).enqueue(
            kind=kind, subscriber_id=subscriber_id, attempt=attempt + 1
        ),
    )


def subscriber_subscribe(
    *, email: str, user: User | None = None, confirmed: bool = False, send_mail: bool = True
) -> Subscriber:
    """Subscribe an address. Whatever its state, the caller shows the same answer, so nobody can
    learn from it whether an address is subscribed: a new or pending address gets the
    confirmation link, a confirmed one a note with its preferences link.

    ``confirmed`` skips double opt-in: for a signed-in member's own verified address, and for
    operators importing a list that has already opted in.
    """
    address = addresses.normalize_address(email)
    now = timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.filter(email__iexact=address).first()
        already = subscriber is not None and subscriber.status == Subscriber.Status.CONFIRMED
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=address, user=user)
            except IntegrityError:  # subscribed by a concurrent request just now
                subscriber = Subscriber.objects.get(email__iexact=address)
        elif subscriber.status in (Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.BOUNCING):
            # A new subscription: fresh key, so links from the old one stay dead.
            subscriber.key = _new_key()
            subscriber.status = Subscriber.Status.PENDING
            subscriber.hard_failures = 0
            subscriber.unsubscribed_at = None
            subscriber.save(update_fields=["key", "status", "hard_failures", "unsubscribed_at"])
        if user is not None and subscriber.user_id is None:
            Subscriber.objects.filter(pk=subscriber.pk).update(user=user)
            subscriber.user = user
        if confirmed and not already:
            subscriber.status = Subscriber.Status.CONFIRMED
            subscriber.confirmed_at = now
            subscriber.save(update_fields=["status", "confirmed_at"])
    if not send_mail or (confirmed and not already) or not _mail_allowed(address):
        return subscriber
    subscriber_mail_queue(kind="already" if already else "confirm", subscriber=subscriber)
    return subscriber


def subscriber_confirm(*, token: str) -> Subscriber:
    """Confirm from the link; replaying a used link is harmless. TokenError when invalid."""
    subscriber = tokens.read_token(token=token, purpose=tokens.CONFIRM)
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber
    if subscriber.status != Subscriber.Status.PENDING:
        raise tokens.TokenError(
            "This subscription was ended, so its confirmation link no longer works. "
            "You can subscribe again at any time."
        )
    Subscriber.objects.filter(pk=subscriber.pk, status=Subscriber.Status.PENDING).update(
        status=Subscriber.Status.CONFIRMED, confirmed_at=timezone.now()
    )
    subscriber.refresh_from_db()
    return subscriber


@dataclass
class Preferences:
    frequency: str = Subscriber.Frequency.DAILY
    weekday: int = 0
    send_time: time = time(8, 0)
    timezone: str = "UTC"
    content: str = Subscriber.Content.BOTH
    # Lists, or text as typed ("cs.CL cs.LG", "diffusion, speech"): preferences_check splits.
    categories: list[str] | str = field(default_factory=list)
    keywords: list[str] | str = field(default_factory=list)
    with_code: bool = False
    only_matching: bool = False
    paper_count: int = 10


def preferences_check(prefs: Preferences) -> Preferences:
    """The preferences with every value checked; InputError with a clear message otherwise."""
    if prefs.frequency not in Subscriber.Frequency.values:
        raise InputError("Frequency must be daily or weekly.")
    if prefs.content not in Subscriber.Content.values:
        raise InputError("Content must be trending, featured or both.")
    if not 0 <= int(prefs.weekday) <= 6:
        raise InputError("The weekday must be between Monday and Sunday.")
    if prefs.timezone not in schedule.time_zone_names():
        raise InputError(
            f"Unknown time zone {prefs.timezone[:64]!r}; use a name like Europe/Paris."
        )
    if not 1 <= int(prefs.paper_count) <= MAX_PAPERS:
        raise InputError(f"The number of papers must be between 1 and {MAX_PAPERS}.")
    prefs.categories = addresses.clean_categories(prefs.categories)
    prefs.keywords = addresses.clean_keywords(prefs.keywords)
    return prefs


def subscriber_update(*, subscriber: Subscriber, preferences: Preferences) -> Subscriber:
    """Save checked preferences (InputError otherwise)."""
    prefs = preferences_check(preferences)
    for name in Preferences.__dataclass_fields__:
        setattr(subscriber, name, getattr(prefs, name))
    subscriber.save(update_fields=list(Preferences.__dataclass_fields__))
    return subscriber


def subscriber_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Stop all mail to this subscriber. Idempotent; pending outbox rows are skipped."""
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber.pk).exclude(
            status=Subscriber.Status.UNSUBSCRIBED
        ).update(status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
        Delivery.objects.filter(
            subscriber_id=subscriber.pk,
            state__in=[Delivery.State.PENDING, Delivery.State.FAILED],
        ).update(state=Delivery.State.SKIPPED, last_error="unsubscribed", next_attempt_at=None)
    subscriber.refresh_from_db()
    return subscriber


# --- Import -----------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def subscribers_import(
    *, rows: Iterable[dict[str, str]], confirmed: bool, send_mail: bool = True
) -> ImportSummary:
    """Import CSV rows (``email`` plus optional ``frequency``, ``categories``, ``keywords``).

    Bad rows are reported by line and skipped; good ones are kept. Without ``confirmed``, new
    addresses get the double opt-in mail like any other subscriber.
    """
    summary = ImportSummary()
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
        try:
            address = addresses.normalize_address(row.get("email", ""))
            existing = Subscriber.objects.filter(email__iexact=address).first()
            base = existing or Subscriber()
            # Checked before anything is written, so a bad row leaves no trace.
            prefs = preferences_check(
                Preferences(
                    frequency=(row.get("frequency") or base.frequency).strip().lower(),
                    weekday=base.weekday,
                    send_time=base.send_time,
                    timezone=base.timezone,
                    content=base.content,
                    categories=row["categories"] if row.get("categories") else base.categories,
                    keywords=row["keywords"] if row.get("keywords") else base.keywords,
                    with_code=base.with_code,
                    only_matching=base.only_matching,
                    paper_count=base.paper_count,
                )
            )
            with transaction.atomic():
                subscriber = subscriber_subscribe(
                    email=address, confirmed=confirmed, send_mail=False
                )
                subscriber_update(subscriber=subscriber, preferences=prefs)
            if send_mail and not confirmed and subscriber.status == Subscriber.Status.PENDING:
                subscriber_mail_queue(kind="confirm", subscriber=subscriber)
            exists = existing is not None
        except InputError as exc:
            summary.errors.append(f"line {line}: {exc}")
            continue
        if exists:
            summary.updated += 1
        else:
            summary.created += 1
    return summary


# --- The outbox -------------------------------------------------------------------------------


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
                outcome = _send_delivery(delivery, builder, anchors, connection, report)
                if progress is not None:
                    progress(1)
                if outcome == "unreachable":
                    report.retry_later += _retry_later(batch[index:], "SMTP server unreachable")
                    report.smtp_unreachable = True
                    return report
    finally:
        connection.drop()
    return report


def _send_delivery(delivery, builder, anchors, connection, report) -> str:  # type: ignore[no-untyped-def]
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
