"""Writes on accounts: sign-up, email verification, account changes and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from paperfeed.accounts.models import ApiToken, Profile
from paperfeed.core.mail import send_with_retry

TOKEN_PREFIX = "pf_"  # noqa: S105 - a label, not a secret
# The part of a token kept in clear for display: "pf_" and eight characters of the secret.
TOKEN_SHOWN = 11
# Writing last_used_at on every request would turn every API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
VERIFY_SALT = "paperfeed.accounts.verify-email"
_TOKEN_SHAPE = re.compile(r"pf_[A-Za-z0-9_-]{20,80}")
_UNSAFE_NAME = re.compile(r"[<>\"'`&\x00-\x1f\x7f]")
# Account mails, one template folder each (accounts/email/<kind>/subject.txt and body.txt).
MAIL_KINDS = ("verify", "taken", "reset")


class AccountError(ValueError):
    """A refused account change, with a message for the person who asked."""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def profile_of(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


# --- API tokens ----------------------------------------------------------------------------


def token_create(*, user: User, name: str) -> str:
    """Create a token and return it in clear: this is the only time it can be seen."""
    name = (name or "").strip()[:100] or "token"
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:TOKEN_SHOWN], digest=_digest(raw))
    return raw


def token_authenticate(*, raw: str) -> User | None:
    """The active user a live token belongs to, else None (forged, revoked or malformed)."""
    if not isinstance(raw, str) or not _TOKEN_SHAPE.fullmatch(raw.strip()):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw.strip()), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False if there is no such live token."""
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated == 1


# --- Sign-up and email ---------------------------------------------------------------------


def display_name_check(value: str) -> str:
    """The cleaned display name, or AccountError if it holds markup or control characters."""
    value = (value or "").strip()
    if _UNSAFE_NAME.search(value):
        raise AccountError("A display name may not contain < > \" ' ` & or control characters.")
    if len(value) > 80:
        raise AccountError("A display name can be at most 80 characters long.")
    return value


def user_create(
    *, username: str, email: str = "", password: str | None = None, display_name: str = ""
) -> User:
    """A new member with an unverified email (and an unusable password if none is given)."""
    display_name = display_name_check(display_name)
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        Profile.objects.create(user=user, display_name=display_name)
    return user


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def verification_link(*, user: User, email: str) -> str:
    token = signing.dumps({"u": user.pk, "e": email}, salt=VERIFY_SALT)
    return _link(reverse("accounts:verify", args=[token]))


def verification_send(*, user: User, email: str) -> None:
    account_mail_queue(kind="verify", user=user, email=email)


def account_mail_queue(*, kind: str, user: User, email: str) -> None:
    """Queue one account mail for the worker, in the caller's transaction.

    The request never waits on the mail server, so a slow or broken one neither fails a
    sign-up nor tells, by timing, whether an address was already registered. The task carries
    only the kind, the user's id and the address: links are signed when the worker composes
    the mail, so no live token is ever stored in the task table.
    """
    # Imported here: the tasks module imports this one (tasks call the services).
    from paperfeed.accounts.tasks import account_mail_send

    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown account mail {kind!r}")
    account_mail_send.enqueue(kind=kind, user_id=user.pk, email=email, attempt=1)


def _mail_link(kind: str, user: User, email: str) -> str:
    if kind == "verify":
        return verification_link(user=user, email=email)
    if kind == "taken":
        return _link(reverse("accounts:password_reset"))
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return _link(reverse("accounts:password_reset_confirm", args=[uid, token]))


def account_mail_deliver(*, kind: str, user_id: int, email: str, attempt: int) -> str:
    """Compose and send one queued account mail; on a passing failure queue the next attempt
    (core.mail.RETRY_MINUTES). Returns what happened: sent, skipped, refused, retry or gave up."""
    # Imported here: the tasks module imports this one (tasks call the services).
    from paperfeed.accounts.tasks import account_mail_send

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or kind not in MAIL_KINDS:
        return "skipped"  # the account was deleted meanwhile
    context = {
        "user": user,
        "link": _mail_link(kind, user, email),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subject = " ".join(render_to_string(f"accounts/email/{kind}/subject.txt", context).split())
    body = render_to_string(f"accounts/email/{kind}/body.txt", context)
    return send_with_retry(
        lambda: send_mail(subject, body, None, [email]),
        attempt=attempt,
        what=f"account mail {kind} to user {user_id}",
        retry=lambda run_after: account_mail_send.using(run_after=run_after).enqueue(
            kind=kind, user_id=user_id, email=email, attempt=attempt + 1
        ),
    )


def user_signup(*, username: str, email: str, password: str, display_name: str = "") -> User | None:
    """Register a member and mail a verification link.

    When the address already belongs to a member, nothing is created and that member is told
    by mail instead, so the answer on screen never reveals which addresses are registered.
    """
    email = User.objects.normalize_email(email).strip()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # Hash the password all the same: a new account costs one password hash, so skipping
        # it here would let the response time tell which addresses are registered.
        make_password(password)
        account_mail_queue(kind="taken", user=existing, email=existing.email)
        return None
    try:
        user = user_create(
            username=username, email=email, password=password, display_name=display_name
        )
    except IntegrityError as exc:
        raise AccountError("That username is taken; please choose another.") from exc
    verification_send(user=user, email=email)
    return user


def email_verify(*, token: str) -> User:
    """Mark the address in a verification link as confirmed (and make it the account's)."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.SignatureExpired as exc:
        raise AccountError("This link has expired. Ask for a new one from your settings.") from exc
    except signing.BadSignature as exc:
        raise AccountError("This link is not valid. Check that you copied all of it.") from exc
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None:
        raise AccountError("This link is not valid any more.")
    profile = profile_of(user)
    email = data.get("e", "")
    with transaction.atomic():
        if email.lower() == (user.email or "").lower():
            profile.email_verified = True
        elif email.lower() == profile.pending_email.lower():
            if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
                raise AccountError("Another account now uses this address.")
            user.email = email
            user.save(update_fields=["email"])
            profile.pending_email = ""
            profile.email_verified = True
        else:
            raise AccountError("This link is for an address your account no longer uses.")
        profile.save(update_fields=["email_verified", "pending_email"])
    return user


def email_change_request(*, user: User, email: str) -> None:
    """Keep the new address aside and mail it a link; it replaces the old one once confirmed."""
    email = User.objects.normalize_email(email).strip()
    profile = profile_of(user)
    profile.pending_email = email
    profile.save(update_fields=["pending_email"])
    # Taken addresses get no mail and no error, so this form reveals nothing either.
    if not User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        verification_send(user=user, email=email)


def profile_update(*, user: User, display_name: str, bio: str) -> Profile:
    profile = profile_of(user)
    profile.display_name = display_name_check(display_name)
    bio = (bio or "").strip()
    if len(bio) > 2000:
        raise AccountError("The bio can be at most 2,000 characters long.")
    profile.bio = bio
    profile.save(update_fields=["display_name", "bio"])
    return profile
