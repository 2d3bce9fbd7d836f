"""A reader's CSRF token masked for less CPU (paperfeed/core/csrfmask.py): Django's token in
every respect but the cost: it unmasks to the request's secret, the cookie is made or renewed
as ``get_token`` does, every token has a fresh mask, and the mask's characters are uniform."""

from __future__ import annotations

from collections import Counter

from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_TOKEN_LENGTH,
    _unmask_cipher_token,
    get_token,
)
from django.test import RequestFactory

from paperfeed.core import csrfmask


def test_a_token_unmasks_to_the_secret_and_marks_the_cookie_as_get_token_does():
    ours, djangos = RequestFactory().get("/"), RequestFactory().get("/")
    secret = "S" * 16 + "0123456789abcdef"
    ours.META["CSRF_COOKIE"] = djangos.META["CSRF_COOKIE"] = secret
    token = csrfmask.get_token(ours)
    get_token(djangos)
    csrf = ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE")
    assert {k: ours.META[k] for k in csrf} == {k: djangos.META[k] for k in csrf}
    assert len(token) == CSRF_TOKEN_LENGTH and set(token) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret


def test_a_request_without_a_secret_gets_a_new_one_and_its_cookie():
    request = RequestFactory().get("/")
    token = csrfmask.get_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert len(secret) == 32 and set(secret) <= set(CSRF_ALLOWED_CHARS)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert _unmask_cipher_token(token) == secret
    assert _unmask_cipher_token(csrfmask.get_token(request)) == secret  # the same one after


def test_every_secret_character_and_mask_round_trips():
    for n, char in enumerate(CSRF_ALLOWED_CHARS):
        secret = (CSRF_ALLOWED_CHARS[n:] + CSRF_ALLOWED_CHARS)[:32]
        assert _unmask_cipher_token(csrfmask.masked(secret)) == secret, char


def test_each_token_has_a_fresh_mask_of_uniform_characters():
    """4,000 masks: every one new, and each of the 62 characters drawn about equally often (a
    byte taken modulo 62 without dropping 248-255 would draw the first eight 25 % more)."""
    tokens = [csrfmask.masked("a" * 32) for _ in range(4000)]
    masks = [token[:32] for token in tokens]
    assert len(set(masks)) == len(masks)
    counts = Counter("".join(masks))
    expected = 4000 * 32 / len(CSRF_ALLOWED_CHARS)  # 2,065
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    # Binomial spread: sd ~45; 6 sd either way, while a 25 % bias is +516.
    assert all(abs(count - expected) < 270 for count in counts.values()), counts
    first_eight = sum(counts[char] for char in CSRF_ALLOWED_CHARS[:8]) / 8
    rest = sum(counts[char] for char in CSRF_ALLOWED_CHARS[8:]) / 54
    assert abs(first_eight / rest - 1) < 0.06
