"""accounts/signin.py through the sign-in page: limits per IP and per (IP, account), the
growing per-account wait, and the owner's device that skips it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client

from paperfeed.accounts.signin import DEVICE_COOKIE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRANGER = "198.51.100.66"
OWNER = "203.0.113.5"


def _try(client, username: str, password: str, ip: str):
    return client.post(
        "/accounts/login", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


class _Clock:
    """A wall clock that moves only when told, so a one-second wait cannot run out while a
    loaded machine (CI on two busy cores) takes more than a second between two requests."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch, settings) -> Iterator[_Clock]:
    # The waits live in the "limits" cache; a per-process cache reads the same patched clock
    # for its expiry, where Redis or a database cache would expire keys by the real one.
    settings.CACHES = {
        **settings.CACHES,
        "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clock"},
    }
    caches["limits"].clear()  # a per-process cache outlives the test that filled it
    fake = _Clock()
    monkeypatch.setattr(time, "time", fake.time)
    yield fake
    caches["limits"].clear()


def test_twenty_wrong_passwords_from_a_stranger_do_not_lock_the_owner_out(client, settings):
    settings.PAPERFEED_LOGIN_MAX_DELAY = 60
    UserFactory(username="bob", password="correct horse")
    # bob signed in once from his own browser, which keeps the signed device cookie.
    assert _signed_in(_try(client, "bob", "correct horse", OWNER))
    device = client.cookies[DEVICE_COOKIE].value
    client.logout()

    stranger = Client()
    codes = [_try(stranger, "bob", f"guess {n}", STRANGER).status_code for n in range(20)]
    assert 429 in codes  # the stranger is slowed down

    client.cookies[DEVICE_COOKIE] = device
    assert _signed_in(_try(client, "bob", "correct horse", OWNER))


def test_a_new_device_is_slowed_for_seconds_not_blocked(client, settings, clock):
    settings.PAPERFEED_LOGIN_FREE_FAILURES = 2
    settings.PAPERFEED_LOGIN_MAX_DELAY = 2
    UserFactory(username="bob", password="correct horse")
    for n in range(3):
        assert _try(client, "bob", f"guess {n}", STRANGER).status_code == 200
    # The third failure made the account wait a second before the next password check, for
    # everyone without bob's device cookie, bob included; and it says how long.
    waiting = _try(client, "bob", "correct horse", OWNER)
    assert waiting.status_code == 429
    assert 1 <= int(waiting["Retry-After"]) <= 2
    assert b"failed sign-ins for this account" in waiting.content
    clock.advance(1.1)
    assert _signed_in(_try(client, "bob", "correct horse", OWNER))


def test_the_wait_grows_with_each_failure_up_to_the_maximum(client, settings, clock):
    settings.PAPERFEED_LOGIN_FREE_FAILURES = 0
    settings.PAPERFEED_LOGIN_MAX_DELAY = 8
    UserFactory(username="bob", password="correct horse")
    waits = []
    for n in range(5):
        assert _try(client, "bob", f"guess {n}", f"192.0.2.{n}").status_code == 200
        refused = _try(client, "bob", "another", f"192.0.2.{n + 100}")
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        # End the pause without sleeping through it (the key as core/ratelimits.py stores it).
        caches["limits"].delete("pause:" + hashlib.sha256(b"login-wait bob").hexdigest())
    assert waits == [1, 2, 4, 8, 8]


def test_the_limit_per_ip_and_account_leaves_other_addresses_alone(client, settings):
    settings.PAPERFEED_RATE_LOGIN_ACCOUNT = "3/h"
    settings.PAPERFEED_LOGIN_FREE_FAILURES = 100
    UserFactory(username="bob", password="correct horse")
    codes = [_try(client, "bob", "wrong", STRANGER).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert _signed_in(_try(client, "bob", "correct horse", OWNER))


def test_a_forged_or_foreign_device_cookie_does_not_skip_the_wait(client, settings, clock):
    settings.PAPERFEED_LOGIN_FREE_FAILURES = 0
    UserFactory(username="bob", password="correct horse")
    UserFactory(username="eve", password="eve's own")
    assert _signed_in(_try(client, "eve", "eve's own", STRANGER))
    client.logout()
    assert _try(client, "bob", "guess", STRANGER).status_code == 200
    # eve's device cookie names eve, not bob; a made-up one has no valid signature.
    assert _try(client, "bob", "correct horse", STRANGER).status_code == 429
    client.cookies[DEVICE_COOKIE] = "bob:forged:signature"
    assert _try(client, "bob", "correct horse", STRANGER).status_code == 429
