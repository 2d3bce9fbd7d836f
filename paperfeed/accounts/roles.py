"""The curator role: who is one, the group that makes one, and granting it.

A curator features, pins and hides entries, hides papers, merges authors and moderates
comments. The role is the ``community.curate`` permission, held through the curators group.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Group, Permission, User

CURATORS_GROUP = "curators"
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
