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
