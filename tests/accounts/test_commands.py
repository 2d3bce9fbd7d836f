"""`paperfeed token create USERNAME` (accounts/management/commands/token.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from paperfeed.accounts.models import ApiToken
from paperfeed.accounts.services import token_authenticate

pytestmark = pytest.mark.django_db


def test_command_creates_user_and_prints_token():
    out = StringIO()
    call_command("token", "create", "newcomer", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip()
    user = User.objects.get(username="newcomer")
    assert token_authenticate(raw=raw) == user
    # A second run reuses the user and makes a second, different token.
    out2 = StringIO()
    call_command("token", "create", "newcomer", stdout=out2, stderr=StringIO())
    assert out2.getvalue().strip() != raw
    assert User.objects.filter(username="newcomer").count() == 1
    assert ApiToken.objects.filter(user=user).count() == 2
