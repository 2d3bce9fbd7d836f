"""The member's row read by a compiled query (accounts/backends.py): the same instance the ORM
builds, and the same people refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, authenticate, get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone

from paperfeed.accounts.backends import MemberBackend
from tests.factories import UserFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """A real (test-speed) hasher that counts the passwords it hashes."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


def _fields(user) -> dict:  # type: ignore[no-untyped-def]
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


def test_get_user_builds_the_instance_the_orm_builds():
    made = UserFactory(username="Zoë <b>", first_name="Ünï", email="z@example.org")
    made.last_login = timezone.now() - timedelta(days=3, microseconds=17)
    made.save()
    user = MemberBackend().get_user(made.pk)
    expected = get_user_model().objects.get(pk=made.pk)
    assert type(user) is type(expected)
    assert _fields(user) == _fields(expected)
    assert user.last_login.tzinfo is not None and user.date_joined == expected.date_joined
    assert user._state.db == "default" and not user._state.adding
    assert user.get_session_auth_hash() == expected.get_session_auth_hash()


def test_get_user_refuses_the_missing_the_inactive_and_nonsense_ids():
    inactive = UserFactory(is_active=False)
    backend = MemberBackend()
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user(inactive.pk + 1000) is None
    assert backend.get_user("not a number") is None
    assert backend.get_user(None) is None
    assert backend.get_user(str(UserFactory().pk)) is not None


def test_a_session_signed_in_before_the_backend_keeps_working():
    reader = UserFactory()
    client = signed_in(reader)
    session = client.session
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session.save()
    assert "django.contrib.auth.backends.ModelBackend" in django_settings.AUTHENTICATION_BACKENDS
    assert "Sign out" in client.get("/papers").content.decode()


def test_a_wrong_password_is_checked_once_and_a_right_one_signs_in_with_this_backend(rf, settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_backends.CountingHasher"]
    reader = UserFactory(username="checked-once")
    reader.set_password("right secret 123")
    reader.save()
    failures: list[dict] = []

    def failed(sender, credentials, **kwargs):  # type: ignore[no-untyped-def]
        failures.append(credentials)

    user_login_failed.connect(failed)
    try:
        CountingHasher.calls = 0
        assert authenticate(rf.get("/"), username="checked-once", password="wrong") is None
        assert CountingHasher.calls == 1  # not once more by ModelBackend, listed after it
        assert authenticate(rf.get("/"), username="nobody-here", password="wrong") is None
        assert CountingHasher.calls == 2
        user = authenticate(rf.get("/"), username="checked-once", password="right secret 123")
    finally:
        user_login_failed.disconnect(failed)
    assert len(failures) == 2
    assert user is not None and user.backend == "paperfeed.accounts.backends.MemberBackend"
