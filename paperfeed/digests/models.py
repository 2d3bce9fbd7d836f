"""Subscribers to the email digest and the outbox of digests to send to them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


def _new_key() -> str:
    return secrets.token_urlsafe(12)


class Subscriber(models.Model):
    """One address that asked for the digest, with its preferences.

    Nothing is mailed but the confirmation until ``status`` is confirmed (double opt-in).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for confirmation"
        CONFIRMED = "confirmed", "confirmed"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"
        # Too many permanent delivery failures: the address is not mailed any more.
        BOUNCING = "bouncing", "stopped after hard bounces"

    class Frequency(models.TextChoices):
        DAILY = "daily", "daily, on weekdays"
        WEEKLY = "weekly", "weekly"

    class Content(models.TextChoices):
        TRENDING = "trending", "trending papers"
        FEATURED = "featured", "the featured list"
        BOTH = "both", "both"

    # ASCII form (IDNA domain), as email-validator normalises it; unique whatever the case.
    email = models.CharField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_subscriptions",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # Part of every signed link: a new subscription after unsubscribing gets a new key, which
    # retires the links of the old one.
    key = models.CharField(max_length=32, default=_new_key)
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    # 0 = Monday ... 6 = Sunday; used by the weekly frequency.
    weekday = models.PositiveSmallIntegerField(default=0)
    send_time = models.TimeField(default="08:00")
    timezone = models.CharField(max_length=64, default="UTC")
    content = models.CharField(max_length=10, choices=Content.choices, default=Content.BOTH)
    categories = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    with_code = models.BooleanField(default=False)
    # Only papers matching the categories or keywords, instead of matching papers first.
    only_matching = models.BooleanField(default=False)
    paper_count = models.PositiveSmallIntegerField(default=10)
    # A "For you" section first, from the recommender (only for a subscriber with an account).
    for_you = models.BooleanField(default=False)
    hard_failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="digest_subscriber_email_unique"),
        ]
        indexes = [models.Index(fields=["status", "frequency"], name="digest_subscriber_due")]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"


class Delivery(models.Model):
    """The outbox: one row per subscriber per period, whatever happens.

    The unique (subscriber, period) pair is what makes a digest impossible to send twice. States:
    pending -> sending -> sent; or failed with ``next_attempt_at`` for a retry (or none when the
    failure is permanent); or skipped when the period had nothing new for this subscriber.
    """

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        SKIPPED = "skipped", "skipped (nothing new)"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    # "daily:2026-11-27" (the subscriber's local date) or "weekly:2026-11-23" (local Monday).
    period = models.CharField(max_length=24)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Who holds a row in "sending" ("host:pid") and since when: a dead holder's rows are resumed.
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    # The message as first composed (zlib-compressed MIME bytes), committed before it is sent
    # and cleared once its fate is known: a copy resent after a crash or a lost reply is the
    # same message, byte for byte, not a fresh render of a catalogue that moved on.
    message = models.BinaryField(null=True, blank=True, editable=False)
    # The featured day the digest's content was anchored on; "nothing new" compares these.
    anchor = models.DateField(null=True, blank=True)
    paper_count = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "period"], name="digest_delivery_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="digest_delivery_due")]

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.period} {self.state}"
