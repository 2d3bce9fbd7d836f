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


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def test_a_members_page_views_write_no_session_row_and_nothing_else(settings):
    """Signed in through the real sign-in form, a member's plain page views (built, then filled
    from the shared bodies) only read: no save of the session row (SESSION_SAVE_EVERY_REQUEST
    stays off), no last-login or other touch, no new session cookie."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory, catalogue_paper
    from tests.helpers import fresh_page_caches

    fresh_page_caches(settings, page_seconds=60, card_seconds=3600)
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    paper = catalogue_paper("2602.00501", title="A paper", featured_on=timezone.localdate())
    member = UserFactory(username="reader")
    member.set_password("a long enough password")
    member.save()
    client = Client()
    signed = client.post(
        "/accounts/login", {"username": "reader", "password": "a long enough password"}
    )
    assert signed.status_code == 302 and "_auth_user_id" in client.session
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    row = Session.objects.get(pk=key)
    last_login = type(member).objects.get(pk=member.pk).last_login
    paths = ["/papers", "/papers/new", "/papers/trending", f"/papers/{paper.arxiv_id}"]
    for _ in range(2):  # the first builds each shared body, the second fills the kept one
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code == 200 and b"Sign out" in response.content, path
            writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(_WRITES)]
            assert writes == [], (path, writes)
            assert settings.SESSION_COOKIE_NAME not in response.cookies, path
    after = Session.objects.get(pk=key)
    assert (after.session_data, after.expire_date) == (row.session_data, row.expire_date)
    assert type(member).objects.get(pk=member.pk).last_login == last_login
