"""The outbox rows' moves between states (pending, sending, sent, failed, skipped), each a
committed write of its own: claiming a batch, releasing it, the verdicts on a row, and the one
that matters most after a crash, ``mark_sent``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from paperfeed.core.liveness import gone_from_this_host
from paperfeed.digests import schedule
from paperfeed.digests.models import Delivery, Subscriber


def release_dead_claims() -> int:
    """Put back rows held in "sending" by a process of this host that no longer exists."""
    holders = (
        Delivery.objects.filter(state=Delivery.State.SENDING)
        .values_list("claimed_by", flat=True)
        .distinct()
    )
    dead = [holder for holder in holders if gone_from_this_host(holder)]
    if not dead:
        return 0
    return Delivery.objects.filter(state=Delivery.State.SENDING, claimed_by__in=dead).update(
        state=Delivery.State.PENDING, claimed_by="", claimed_at=None
    )


def due(now: datetime) -> Q:
    lease = timedelta(minutes=settings.PAPERFEED_DIGEST_LEASE_MINUTES)
    return (
        Q(state=Delivery.State.PENDING)
        | Q(state=Delivery.State.FAILED, next_attempt_at__lte=now)
        | Q(state=Delivery.State.SENDING, claimed_at__lt=now - lease)
    )


def claim(*, worker: str, size: int, subscriber_ids: list[int] | None) -> list[Delivery]:
    now = timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.filter(due(now))
        if subscriber_ids is not None:
            rows = rows.filter(subscriber_id__in=subscriber_ids)
        # Fewest attempts first: rows put back after a relay fault go after the others, so a
        # few dead addresses at the head of the list cannot pause every run.
        ids = list(rows.order_by("attempts", "pk").values_list("pk", flat=True)[:size])
        if not ids:
            return []
        # The due condition again in the UPDATE: on PostgreSQL a concurrent sender that got
        # the same ids blocks here and then finds them no longer due.
        Delivery.objects.filter(due(now), pk__in=ids).update(
            state=Delivery.State.SENDING, claimed_by=worker, claimed_at=now
        )
    return list(
        Delivery.objects.filter(pk__in=ids, state=Delivery.State.SENDING, claimed_by=worker)
        .select_related("subscriber")
        .order_by("attempts", "pk")
    )


def finish(delivery: Delivery, *, keep_message: bool = False, **values: object) -> None:
    """Release the row in its new state; the stored message goes unless the row will be
    tried again (then the next attempt sends the same bytes)."""
    if not keep_message:
        values["message"] = None
    Delivery.objects.filter(pk=delivery.pk).update(claimed_by="", claimed_at=None, **values)


def mark_sent(delivery: Delivery, *, message_id: str) -> None:
    """The relay accepted this message: record it before anything else happens. From the 250
    to this commit is the whole window in which a crash doubles a message, so it is one UPDATE
    by primary key in a transaction of its own (durable: never folded into a caller's)."""
    with transaction.atomic(durable=True):
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.SENT,
            sent_at=timezone.now(),
            attempts=delivery.attempts + 1,
            message_id=message_id,
            message=None,
            last_error="",
            claimed_by="",
            claimed_at=None,
        )


def release(deliveries: Iterable[Delivery], *, worker: str) -> None:
    Delivery.objects.filter(
        pk__in=[d.pk for d in deliveries], state=Delivery.State.SENDING, claimed_by=worker
    ).update(state=Delivery.State.PENDING, claimed_by="", claimed_at=None)


def retry_later(deliveries: Iterable[Delivery], error: str, *, tried: bool = True) -> int:
    """Transient failure: back to the queue with a backoff, or given up after too many tries.
    Rows not ``tried`` keep their count of attempts."""
    now = timezone.now()
    count = 0
    for delivery in deliveries:
        attempts = delivery.attempts + 1 if tried else delivery.attempts
        if attempts >= settings.PAPERFEED_DIGEST_MAX_ATTEMPTS:
            finish(
                delivery,
                state=Delivery.State.FAILED,
                attempts=attempts,
                next_attempt_at=None,
                last_error=f"gave up: {error}"[:2000],
            )
        else:
            delay = schedule.retry_delay(attempts=max(attempts, 1))
            finish(
                delivery,
                keep_message=True,
                state=Delivery.State.FAILED,
                attempts=attempts,
                next_attempt_at=now + timedelta(seconds=delay),
                last_error=error[:2000],
            )
        count += 1
    return count


def hard_failure(delivery: Delivery, error: str) -> None:
    """A permanent 5xx for this address: this digest is failed for good, and after
    PAPERFEED_DIGEST_MAX_HARD_BOUNCES of them in a row the address is no longer mailed."""
    finish(
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
