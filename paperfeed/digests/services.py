"""Writes for subscribers: subscribing (mails queued), confirming, preferences,
unsubscribing, importing. The outbox (enqueueing and sending digests) is in outbox.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from paperfeed.core.mail import send_with_retry
from paperfeed.core.ratelimits import counter_hit
from paperfeed.digests import addresses, emails, schedule, tokens
from paperfeed.digests.addresses import InputError
from paperfeed.digests.models import Delivery, Subscriber, _new_key

MAX_PAPERS = 50


# One-off mails to a (would-be) subscriber, one template folder each (templates/email/<kind>/).
SUBSCRIBER_MAIL_KINDS = ("confirm", "already")


# --- Subscribing ------------------------------------------------------------------------------


def _mail_allowed(email: str) -> bool:
    """At most PAPERFEED_DIGEST_MAILS_PER_ADDRESS_HOUR confirmation-type mails per address, so
    the form cannot be used to flood someone's inbox."""
    count = counter_hit(f"digests:mails:{email.lower()}", seconds=3600)
    return count <= settings.PAPERFEED_DIGEST_MAILS_PER_ADDRESS_HOUR


def subscriber_mail_queue(*, kind: str, subscriber: Subscriber) -> None:
    """Queue a confirmation ("confirm") or an already-subscribed note ("already") for the
    worker, in the caller's transaction.

    The form answers at once whatever the mail server is doing, the same way for every
    address. The task holds only the kind and the subscriber's id: the signed link is made
    when the worker composes the mail, so no live token sits in the task table, and a
    confirmation link's lifetime starts when it is sent.
    """
    # Imported here: the tasks module imports this one (tasks call the services).
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
    # Imported here: the tasks module imports this one (tasks call the services).
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
    for_you: bool = False


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
