"""The curator role: who is one, the group that makes one, and granting it.

A curator features, pins and hides entries, hides papers, merges authors and moderates
comments. The role is the ``community.curate`` permission, held through the curators group.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.cache import cache

CURATORS_GROUP = "curators"
# How long the menu may offer (or not offer) the curate page after a role changes elsewhere
# than curator_grant (the admin): the page itself always asks is_curator.
MENU_ROLE_SECONDS = 60
# Model permissions a curator gets in the admin, besides community.curate.
CURATOR_PERMISSIONS = [
    ("community", "curate"),
    ("community", "moderate_comment"),
    ("community", "view_comment"),
    ("community", "change_comment"),
    ("community", "view_commentreport"),
    ("community", "change_commentreport"),
    ("community", "view_authorclaim"),
    ("community", "change_authorclaim"),
    ("papers", "view_paper"),
    ("papers", "change_paper"),
    ("papers", "view_author"),
    ("papers", "change_author"),
    ("papers", "view_featured"),
    ("papers", "add_featured"),
    ("papers", "change_featured"),
    ("papers", "delete_featured"),
]


def is_curator(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm("community.curate"))


def curators_group() -> Group:
    """The curators group with its permissions (created or completed on demand)."""
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    wanted = [
        Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        for app, codename in CURATOR_PERMISSIONS
    ]
    group.permissions.add(*[perm for perm in wanted if perm is not None])
    return group


def curator_grant(*, user: User) -> None:
    user.groups.add(curators_group())
    cache.delete(_menu_key(user))


def _menu_key(user: User | AnonymousUser) -> str:
    return f"role:curator:{user.pk}"


def menu_shows_curate(user: User | AnonymousUser) -> bool:
    """Whether the menu links to the curate page: :func:`is_curator`, remembered for
    MENU_ROLE_SECONDS per member, since asking costs two queries (the member's and their
    groups' permissions) on every page a member reads."""
    if not user.is_authenticated:
        return False
    shown = cache.get(_menu_key(user))
    if shown is None:
        shown = is_curator(user)
        cache.set(_menu_key(user), shown, MENU_ROLE_SECONDS)
    return bool(shown)
