"""The curator role: who is one, the group that makes one, and granting it.

A curator features, pins and hides entries, hides papers, merges authors and moderates
comments. The role is the ``community.curate`` permission, held through the curators group.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.cache import cache
from django.http import HttpRequest

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
    cache.delete(_CURATORS_KEY)


# The ids of every member who holds community.curate, directly or through a group.
_CURATORS_KEY = "role:curators"


def _curator_ids() -> frozenset[int]:
    """Who holds ``community.curate`` (ModelBackend's two sources, the member's own
    permissions and their groups'), in one query."""
    through = User.user_permissions.through.objects.filter(
        permission__content_type__app_label="community", permission__codename="curate"
    ).values_list("user_id", flat=True)
    by_group = User.groups.through.objects.filter(
        group__permissions__content_type__app_label="community",
        group__permissions__codename="curate",
    ).values_list("user_id", flat=True)
    return frozenset(through.union(by_group))


def menu_shows_curate(user: User | AnonymousUser) -> bool:
    """Whether the menu links to the curate page: what :func:`is_curator` answers, from the
    set of every curator's id, read at most once per MENU_ROLE_SECONDS per process.

    Asking is_curator costs two queries (the member's and their groups' permissions); remembered
    per member, every member's first page in each interval paid them on each worker (at 1 M on
    PostgreSQL, 4.8 ms of a worker's CPU each time with 50 readers: docs/performance.md,
    "Eighth pass"). Curators are few: one query for all of them serves every member."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:  # ModelBackend grants an active superuser every permission
        return True
    curators = cache.get(_CURATORS_KEY)
    if curators is None:
        curators = _curator_ids()
        cache.set(_CURATORS_KEY, curators, MENU_ROLE_SECONDS)
    return user.pk in curators


def page_shows_curate(request: HttpRequest) -> bool:
    """:func:`menu_shows_curate` for the request's user, asked once per request: a member's
    paper page asks it for the menu, the comment controls and the code-link form, and each ask
    read the curators' set from the cache (a copy unpickled, ~6 % of a filled paper page
    together, docs/performance.md "Thirteenth pass"). One answer serves the whole page, so its
    parts never disagree; the next request asks again."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    kept: tuple[Any, bool] | None = request.__dict__.get("_paperfeed_curate")
    if kept is not None and kept[0] is user:
        return kept[1]
    shown = menu_shows_curate(user)
    request.__dict__["_paperfeed_curate"] = (user, shown)
    return shown
