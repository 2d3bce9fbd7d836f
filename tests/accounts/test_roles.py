from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from paperfeed.accounts.roles import CURATORS_GROUP, curator_grant, is_curator
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_granting_the_role_makes_a_curator_through_the_group():
    user = UserFactory()
    assert not is_curator(user)
    curator_grant(user=user)
    user = type(user).objects.get(pk=user.pk)  # permissions are cached per instance
    assert is_curator(user)
    assert user.groups.filter(name=CURATORS_GROUP).exists()


def test_anonymous_and_inactive_users_are_never_curators():
    assert not is_curator(AnonymousUser())
    user = UserFactory(is_active=False)
    curator_grant(user=user)
    assert not is_curator(type(user).objects.get(pk=user.pk))


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_the_menu_offers_curating_to_whoever_holds_the_permission():
    from django.contrib.auth.models import Permission

    from paperfeed.accounts.roles import menu_shows_curate

    through_group, direct, member = UserFactory(), UserFactory(), UserFactory()
    superuser = UserFactory(is_superuser=True)
    inactive = UserFactory(is_active=False)
    curator_grant(user=through_group)
    curator_grant(user=inactive)
    direct.user_permissions.add(
        Permission.objects.get(content_type__app_label="community", codename="curate")
    )
    for user in (through_group, direct, member, superuser, inactive):
        user = _fresh(user)
        assert menu_shows_curate(user) is is_curator(user), user
    assert [menu_shows_curate(_fresh(u)) for u in (through_group, direct, member)] == [
        True,
        True,
        False,
    ]
    assert not menu_shows_curate(AnonymousUser())


def test_the_menu_asks_one_query_for_every_member_and_sees_a_grant_at_once(
    django_assert_num_queries,
):
    from paperfeed.accounts.roles import menu_shows_curate

    members = [UserFactory() for _ in range(5)]
    with django_assert_num_queries(1):
        assert not any(menu_shows_curate(member) for member in members)
    with django_assert_num_queries(0):
        assert not any(menu_shows_curate(member) for member in members)
    curator_grant(user=members[2])
    assert menu_shows_curate(_fresh(members[2]))
    assert not menu_shows_curate(members[3])


def test_a_page_asks_the_role_once_and_shows_one_answer_throughout():
    """A member's paper page asks the role for its menu, comment controls and code-link form:
    one answer a request (the curators' set read once), the next request asks again."""
    from django.core.cache import cache
    from django.test import RequestFactory

    from paperfeed.accounts.roles import _CURATORS_KEY, page_shows_curate

    member = UserFactory()
    request = RequestFactory().get("/papers/1")
    request.user = member
    assert page_shows_curate(request) is False
    curator_grant(user=member)  # clears the remembered set: a fresh ask would say yes
    assert cache.get(_CURATORS_KEY) is None
    assert page_shows_curate(request) is False  # the page keeps its one answer
    assert cache.get(_CURATORS_KEY) is None  # and did not read the role again
    following = RequestFactory().get("/papers/1")
    following.user = _fresh(member)
    assert page_shows_curate(following) is True
    request.user = _fresh(member)  # another user on the same request: asked for them
    assert page_shows_curate(request) is True
