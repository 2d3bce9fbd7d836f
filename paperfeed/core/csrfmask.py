"""A reader's CSRF token as Django's ``get_token`` makes it, for the pages filled per request
(core/readerslots.py): the same secret, the same cookie bookkeeping, a fresh mask for every
token, drawn from the same source; only the drawing costs less.

Django draws the mask with ``get_random_string``: 32 ``secrets.choice`` calls, each a few
Python calls deep, and then finds each character's place with ``str.index``: ~8 % of a filled
member's page under the profiler (docs/performance.md, "Eleventh pass"). Here the mask is one
``secrets.token_bytes`` read, each byte below 248 (4 times 62) taken modulo 62, the others dropped,
so every character of the 62 is equally likely, as with ``secrets.choice``; and the cipher is
read from a table. The token is the mask and the secret shifted by it, as Django's
``_mask_cipher_secret`` writes it (and ``_unmask_cipher_token`` reads it back): the BREACH
defence stays as it is, a new mask for every response.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_CHARS = CSRF_ALLOWED_CHARS
# The bytes that map evenly onto the characters: 0-247, four times each of the 62.
_EVEN = 256 - 256 % len(_CHARS)
_PLACE = {char: n for n, char in enumerate(_CHARS)}
# _SHIFTED[n][m] is the character n places after the m-th, as Django's cipher adds them.
_SHIFTED = tuple(_CHARS[n:] + _CHARS[:n] for n in range(len(_CHARS)))
# Bytes read at once: 32 are needed, 3 % of bytes are dropped; a short read reads again.
_READ = CSRF_SECRET_LENGTH + 8


def _mask() -> list[int]:
    """32 places among the 62 characters, each uniformly and independently drawn."""
    drawn: list[int] = []
    while len(drawn) < CSRF_SECRET_LENGTH:
        drawn += [byte % len(_CHARS) for byte in secrets.token_bytes(_READ) if byte < _EVEN]
    return drawn[:CSRF_SECRET_LENGTH]


def masked(secret: str) -> str:
    """``secret`` masked afresh, as ``django.middleware.csrf._mask_cipher_secret`` does."""
    mask = _mask()
    return "".join([_CHARS[m] for m in mask]) + "".join(
        [_SHIFTED[_PLACE[char]][m] for char, m in zip(secret, mask, strict=True)]
    )


def get_token(request: HttpRequest) -> str:
    """``django.middleware.csrf.get_token``: the request's CSRF secret (a new one, and its
    cookie, when it has none; its cookie renewed when it has one), masked afresh."""
    meta = request.META
    if "CSRF_COOKIE" in meta:
        secret = meta["CSRF_COOKIE"]
        meta["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: the cookie's expiry renewed
    else:
        # A new secret, drawn as a mask is; the CSRF middleware's response half sets its cookie
        # (as django.middleware.csrf._add_new_csrf_cookie).
        secret = "".join([_CHARS[m] for m in _mask()])
        meta.update({"CSRF_COOKIE": secret, "CSRF_COOKIE_NEEDS_UPDATE": True})
    return masked(secret)
