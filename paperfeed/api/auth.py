"""Bearer-token authentication for the API's writes, on top of the accounts' tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from paperfeed.accounts.services import token_authenticate

# Real tokens are far shorter; anything longer is not worth hashing and looking up.
MAX_TOKEN_LENGTH = 512


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None

        user = token_authenticate(raw=token)
        if user is None or not user.is_active:
            return None
        return user
