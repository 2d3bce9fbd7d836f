"""The session row read by a compiled query (accounts/sessions.py): what Django's database
store reads, and nothing expired, deleted or malformed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from paperfeed.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_site_uses_it():
    assert django_settings.SESSION_ENGINE == "paperfeed.accounts.sessions"


def test_a_live_session_reads_as_djangos_store_reads_it():
    made = SessionStore()
    made["who"] = "Zoë <b>"
    made.set_expiry(3600)
    made.save()
    ours, theirs = SessionStore(made.session_key), DjangoStore(made.session_key)
    assert ours.load() == theirs.load() == {"who": "Zoë <b>", "_session_expiry": 3600}
    row = ours._get_session_from_db()
    expected = Session.objects.get(pk=made.session_key)
    assert (row.session_key, row.session_data, row.expire_date) == (
        expected.session_key,
        expected.session_data,
        expected.expire_date,
    )
    assert row.expire_date.tzinfo is not None


def test_expired_deleted_and_malformed_keys_are_no_session():
    made = SessionStore()
    made["who"] = "x"
    made.save()
    Session.objects.filter(pk=made.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(made.session_key)
    assert expired.load() == {} and expired.session_key is None
    gone = SessionStore()
    gone["who"] = "y"
    gone.save()
    Session.objects.filter(pk=gone.session_key).delete()
    assert SessionStore(gone.session_key).load() == {}
    for hostile in ("short", "' OR 1=1 --", "x" * 500, "ünïcode-key-long-enough"):
        store = SessionStore(hostile)
        assert store.load() == {} and store.session_key is None
