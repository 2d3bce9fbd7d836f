from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from paperfeed.accounts.models import ApiToken
from paperfeed.accounts.services import token_authenticate, token_create, token_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_authenticates():
    user = UserFactory()
    raw = token_create(user=user, name="laptop")
    stored = ApiToken.objects.get(user=user)
    assert raw.startswith("pf_")
    assert raw not in stored.digest and stored.digest != raw
    assert stored.prefix == raw[:11]
    assert token_authenticate(raw=raw) == user
    stored.refresh_from_db()
    assert stored.last_used_at is not None


@pytest.mark.parametrize(
    "forged",
    ["", "pf_", "Bearer x", "pf_" + "A" * 43, "x" * 10_000, "pf_<script>alert(1)</script>aaaaaa"],
)
def test_forged_tokens_are_refused(forged):
    token_create(user=UserFactory(), name="real")
    assert token_authenticate(raw=forged) is None


def test_revoked_token_cannot_be_replayed():
    user = UserFactory()
    raw = token_create(user=user, name="old")
    token = ApiToken.objects.get(user=user)
    assert token_revoke(user=user, token_id=token.pk)
    assert token_authenticate(raw=raw) is None
    assert not token_revoke(user=user, token_id=token.pk)


def test_someone_elses_token_cannot_be_revoked():
    owner, other = UserFactory(), UserFactory()
    raw = token_create(user=owner, name="mine")
    assert not token_revoke(user=other, token_id=ApiToken.objects.get(user=owner).pk)
    assert token_authenticate(raw=raw) == owner


def test_inactive_user_token_is_refused():
    user = UserFactory()
    raw = token_create(user=user, name="t")
    user.is_active = False
    user.save()
    assert token_authenticate(raw=raw) is None


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
