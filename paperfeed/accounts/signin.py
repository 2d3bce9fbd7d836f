"""Who may try a password now, so that guessing is slow and a stranger cannot lock anyone out.

- Per client IP (PAPERFEED_RATE_LOGIN_IP) and per (IP, account) (PAPERFEED_RATE_LOGIN_ACCOUNT):
  over either, that client is refused; other clients are not affected.
- Per account, from every IP: after PAPERFEED_LOGIN_FREE_FAILURES failures in an hour, each
  further failure makes the account wait 1, 2, 4 … seconds (at most PAPERFEED_LOGIN_MAX_DELAY)
  before the next password is checked. Guessing from many addresses is slowed to one guess per
  delay; nothing is locked for long, so the owner is slowed, not blocked.
- A browser that signed into the account before carries a signed cookie naming it, and skips
  that per-account wait: the owner's own device is never slowed by a stranger's guesses.

Every count lives in the shared ``limits`` store, so it holds across processes and hosts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from paperfeed.core.ratelimits import counter_hit, limited, pause_left, pause_set

DEVICE_COOKIE = "paperfeed_signin"
DEVICE_SALT = "paperfeed.accounts.signin.device"
DEVICE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Refusal:
    what: str
    retry_after: int


def account_of(request: HttpRequest) -> str:
    return request.POST.get("username", "").strip().lower()[:150]


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def signin_refusal(request: HttpRequest) -> Refusal | None:
    """Count this attempt; why it may not check a password now, or None."""
    account = account_of(request)
    if limited(request, group="login-ip", key="ip", rate=settings.PAPERFEED_RATE_LOGIN_IP):
        return Refusal("sign-in attempts from your network", 3600)
    if limited(
        request,
        group="login-ip-account",
        key=lambda group, request: f"{_ip(request)} {account}",
        rate=settings.PAPERFEED_RATE_LOGIN_ACCOUNT,
    ):
        return Refusal("sign-in attempts for this account from your network", 3600)
    if not device_trusted(request, account=account):
        wait = pause_left(f"login-wait {account}")
        if wait > 0:
            return Refusal("failed sign-ins for this account", max(1, round(wait)))
    return None


def signin_failed(*, account: str) -> None:
    """One more failure for ``account``: past the free ones, the next check waits longer."""
    failures = counter_hit(f"login-failures {account}", seconds=3600)
    over = failures - settings.PAPERFEED_LOGIN_FREE_FAILURES
    if over > 0:
        delay = min(2 ** min(over - 1, 30), settings.PAPERFEED_LOGIN_MAX_DELAY)
        pause_set(f"login-wait {account}", until=time.time() + delay)


def device_trusted(request: HttpRequest, *, account: str) -> bool:
    try:
        signed = signing.loads(
            request.COOKIES.get(DEVICE_COOKIE, ""), salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE
        )
    except signing.BadSignature:
        return False
    return isinstance(signed, str) and signed == account and account != ""


def device_remember(response: HttpResponseBase, *, account: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(account, salt=DEVICE_SALT),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
