"""The authentication backend: Django's ModelBackend, with the signed-in member's row read by a
query compiled once per connection (core/compiled.py).

``get_user`` runs on every request of a signed-in member (AuthenticationMiddleware, from the
session's user id). Building and compiling ``User.objects.get(pk=...)`` cost the ORM more CPU
than the database spent answering it, a notable part of a filled member's page. The instance
is built through the same field converters and ``Model.from_db`` as the queryset's, and the
same checks follow (an inactive account is nobody; the session's password hash is still
compared by django.contrib.auth), so signing out, a password change elsewhere or a
deactivated account take effect at the next request as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest

from paperfeed.core import readahead
from paperfeed.core.caching import user_loaded
from paperfeed.core.compiled import ID_SENTINELS, CompiledInstances, compile_instances

# Where the member's id goes in the compiled query.
_ID_SENTINEL = ID_SENTINELS[0]


@lru_cache(maxsize=16)
def _user_by_id(connection: BaseDatabaseWrapper) -> CompiledInstances:
    """``User.objects.filter(pk=...)``, compiled once per connection (the key is the thread's
    connection object, as for community.selectors' card state)."""
    user_model = get_user_model()
    return compile_instances(user_model._default_manager.filter(pk=_ID_SENTINEL), [_ID_SENTINEL])


class MemberBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # Settled here: ModelBackend (listed after this backend only so that sessions
            # signed in before it keep working) would hash the same password again.
            raise PermissionDenied
        return user

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        if pk is None:
            return None
        query = _user_by_id(connections[DEFAULT_DB_ALIAS])
        # A member's page reads the row with its other reads of theirs (member_read).
        ahead = readahead.ahead_now(("member", pk))
        users = query.instances([pk]) if ahead is None else query.from_rows(ahead)
        if not users:
            return None
        user = users[0]
        return user if self.user_can_authenticate(user) else None


def member_read(request: HttpRequest, member_id: Any, args: list[str]) -> list[readahead.Read]:
    """The member's row, read with the page's other reads of theirs while it is not read yet
    (slot "menu", on every page): ``get_user`` above then builds the member from it."""
    if user_loaded(request):
        return []
    query = _user_by_id(connections[DEFAULT_DB_ALIAS]).query
    return [readahead.Read(("member", member_id), query, [member_id])]
