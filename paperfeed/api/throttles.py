"""Rate limits of the JSON API: per client IP, and per bearer token when one is sent.

Counting is django-ratelimit's (fixed windows in the default cache, as the community forms use);
this adapter lets django-ninja answer 429 with ``Retry-After`` set to the seconds left in the
window.
"""

from __future__ import annotations

import hashlib
import threading

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from ninja.throttling import BaseThrottle

from paperfeed.core import replay
from paperfeed.core.ratelimits import counted_or_open


def _bearer(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _member(request: HttpRequest) -> User | None:
    """The member the authentication step found (ninja sets ``request.auth``); throttles run
    after it."""
    user = getattr(request, "auth", None)
    return user if isinstance(user, User) else None


class RateLimit(BaseThrottle):
    """``rate_setting`` names a "count/period" setting, read per request so tests can change it.

    ``by="ip"`` counts every request per client address; ``by="token"`` counts requests that
    carry a bearer token per token (hashed: the cache never sees a usable secret);
    ``by="member"`` counts per signed-in member (the token's owner, however many tokens they
    hold), under the same key as the site's forms count that member.
    """

    def __init__(self, *, group: str, rate_setting: str, by: str = "ip") -> None:
        self.group = group
        self.rate_setting = rate_setting
        self.by = by
        # Throttles are shared by every request thread; the wait belongs to one request.
        self._local = threading.local()

    def _key(self, group: str, request: HttpRequest) -> str:
        if self.by == "token":
            return hashlib.sha256(_bearer(request).encode()).hexdigest()
        if self.by == "member":
            member = _member(request)
            return str(member.pk) if member is not None else ""
        return request.META.get("REMOTE_ADDR", "") or "unknown"

    def allow_request(self, request: HttpRequest) -> bool:
        rate = getattr(settings, self.rate_setting, "")
        if not rate or (self.by == "token" and not _bearer(request)):
            return True
        if self.by == "member" and _member(request) is None:
            return True
        # An answer replayed from this one (core/replay.py) is counted here too.
        replay.count_with(request, self.allow_request)
        usage = counted_or_open(
            lambda: get_usage(request, group=self.group, key=self._key, rate=rate, increment=True)
        )
        if usage is None or not usage["should_limit"]:
            return True
        self._local.wait = max(1.0, float(usage["time_left"]))
        return False

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)


def read_limits(group: str) -> list[BaseThrottle]:
    return [
        RateLimit(group=f"api-read-{group}", rate_setting="PAPERFEED_RATE_API_READ_IP"),
        RateLimit(group=f"api-token-{group}", rate_setting="PAPERFEED_RATE_API_TOKEN", by="token"),
    ]


def write_limits(group: str, *, community_rate: str) -> list[BaseThrottle]:
    """The API limits, plus the community's own limit for this action: the site's forms count
    each member in ``group`` (community views), and so does this one, so a member gets that
    rate once, whether through the site, one token or several."""
    return [
        RateLimit(group=f"api-write-{group}", rate_setting="PAPERFEED_RATE_API_WRITE_IP"),
        RateLimit(group=f"api-token-{group}", rate_setting="PAPERFEED_RATE_API_TOKEN", by="token"),
        RateLimit(group=group, rate_setting=community_rate, by="member"),
    ]
