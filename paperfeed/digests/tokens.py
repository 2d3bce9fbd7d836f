"""Signed links in digest mail: confirm, preferences, unsubscribe.

Each token is HMAC-signed (django.core.signing, keyed by SECRET_KEY) over the subscriber id, the
subscriber's current ``key`` and the purpose, so it cannot be altered, cannot be used for another
purpose or another subscriber, and dies when the subscriber's key changes (a new subscription
after unsubscribing). Confirmation links expire after PAPERFEED_DIGEST_CONFIRM_HOURS, preference
links after PAPERFEED_DIGEST_LINK_DAYS; unsubscribe links never expire, so that any old digest
can still be left in one click.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone

from paperfeed.digests.models import Subscriber

CONFIRM = "confirm"
PREFERENCES = "preferences"
UNSUBSCRIBE = "unsubscribe"
_SALT = "paperfeed.digests."


class TokenError(ValueError):
    """A link that is forged, expired or no longer valid, with a message for the reader."""


def _max_age(purpose: str) -> int | None:
    if purpose == CONFIRM:
        return settings.PAPERFEED_DIGEST_CONFIRM_HOURS * 3600
    if purpose == PREFERENCES:
        return settings.PAPERFEED_DIGEST_LINK_DAYS * 86400
    return None


class _IssuedAt(signing.TimestampSigner):
    """Django's timestamp signer (what signing.dumps uses) stamping a given moment."""

    def __init__(self, *, salt: str, issued_at: datetime) -> None:
        super().__init__(salt=salt)
        self.issued_at = issued_at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self.issued_at.timestamp()))


def make_token(*, subscriber: Subscriber, purpose: str, now: datetime | None = None) -> str:
    """A link token issued ``now`` (the current time unless given); expiry counts from it."""
    signer = _IssuedAt(salt=_SALT + purpose, issued_at=now or timezone.now())
    return signer.sign_object([subscriber.pk, subscriber.key], compress=False)


def read_token(*, token: str, purpose: str) -> Subscriber:
    """The subscriber a valid token names, else TokenError."""
    try:
        payload = signing.loads(str(token)[:500], salt=_SALT + purpose, max_age=_max_age(purpose))
    except signing.SignatureExpired as exc:
        raise TokenError("This link has expired. Please ask for a new one.") from exc
    except signing.BadSignature as exc:
        raise TokenError("This link is not valid. Please check that it was copied whole.") from exc
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        raise TokenError("This link is not valid.")
    subscriber = Subscriber.objects.filter(pk=payload[0], key=str(payload[1])).first()
    if subscriber is None:
        raise TokenError("This link is no longer valid. You can subscribe again at any time.")
    return subscriber
