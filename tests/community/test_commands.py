"""The ``curator`` management command."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_curator_command_grants_the_role():
    from io import StringIO

    from django.core.management import call_command

    from paperfeed.accounts.roles import is_curator

    user = UserFactory(username="newcurator")
    call_command("curator", "add", "newcurator", stdout=StringIO())
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert is_curator(user)
