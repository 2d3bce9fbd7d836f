"""Request types for views, so the type checker knows what login_required already checked."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class MemberRequest(HttpRequest):
    """The request of a view only signed-in members reach (login_required, admin actions):
    its ``user`` is a User, never AnonymousUser. Only an annotation: Django builds the object."""

    user: User
