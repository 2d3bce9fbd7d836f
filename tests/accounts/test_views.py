from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User

from paperfeed.accounts.models import ApiToken, Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough pass phrase 42"


def _link(inbox, message) -> str:
    body = inbox.body(message)
    url = re.search(r"https?://\S+", body).group(0)
    return urlsplit(url).path


def _signup(client, username="ada", email="ada@example.org", **extra):
    return client.post(
        "/accounts/signup",
        {
            "username": username,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            **extra,
        },
    )


@pytest.mark.argon2
def test_signup_verify_login_logout_through_real_smtp(client, smtp_server, run_tasks):
    response = _signup(client)
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    user = User.objects.get(username="ada")
    assert user.password.startswith("argon2")
    assert not Profile.objects.get(user=user).email_verified

    # The mail is queued, not sent in the request; the worker sends it.
    assert smtp_server.messages == []
    run_tasks()
    [mail] = smtp_server.to("ada@example.org")
    path = _link(smtp_server, mail)
    # Opening the link changes nothing; the button (a POST) confirms.
    assert client.get(path).status_code == 200
    assert not Profile.objects.get(user=user).email_verified
    response = client.post(path)
    assert response.status_code == 302
    assert Profile.objects.get(user=user).email_verified

    response = client.post("/accounts/login", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/settings").status_code == 200
    assert client.get("/accounts/logout").status_code == 405  # logging out is a POST
    client.post("/accounts/logout")
    assert client.get("/accounts/settings").status_code == 302


def test_signup_with_a_taken_address_looks_the_same_and_mails_the_owner(
    client, smtp_server, run_tasks
):
    UserFactory(username="owner", email="taken@example.org")
    fresh = _signup(client, username="newbie", email="fresh@example.org")
    taken = _signup(client, username="intruder", email="TAKEN@example.org")
    assert fresh.status_code == taken.status_code == 200

    def strip(r):
        return (
            r.content.decode().replace("fresh@example.org", "X").replace("TAKEN@example.org", "X")
        )

    assert strip(fresh) == strip(taken)
    assert not User.objects.filter(username="intruder").exists()
    run_tasks()
    [mail] = smtp_server.to("taken@example.org")
    assert "already has one" in smtp_server.body(mail)


def test_password_reset_by_mail(client, smtp_server, run_tasks):
    UserFactory(username="grace", email="grace@example.org")
    known = client.post("/accounts/password/reset", {"email": "grace@example.org"})
    unknown = client.post("/accounts/password/reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    run_tasks()
    [mail] = smtp_server.messages
    path = _link(smtp_server, mail)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_path = response.redirect_chain[-1][0]
    new = "another quite long phrase 77"
    response = client.post(form_path, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert client.login(username="grace", password=new)
    # The link works once.
    assert b"not valid any more" in client.get(path, follow=True).content


def test_email_change_waits_for_confirmation(client, smtp_server, run_tasks):
    user = UserFactory(username="emmy", email="old@example.org", verified=True)
    client.force_login(user)
    client.post("/accounts/settings/email", {"email": "new@example.org"})
    user.refresh_from_db()
    assert user.email == "old@example.org"
    run_tasks()
    [mail] = smtp_server.to("new@example.org")
    client.post(_link(smtp_server, mail))
    user.refresh_from_db()
    assert user.email == "new@example.org"
    assert Profile.objects.get(user=user).email_verified


def test_login_is_rate_limited_per_account(client, settings):
    settings.PAPERFEED_RATE_LOGIN_ACCOUNT = "3/h"
    UserFactory(username="target")
    codes = [
        client.post("/accounts/login", {"username": "target", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    assert (
        b"Too many sign-in attempts"
        in client.post("/accounts/login", {"username": "target", "password": "wrong"}).content
    )


def test_login_is_rate_limited_per_ip(client, settings):
    settings.PAPERFEED_RATE_LOGIN_IP = "2/h"
    codes = [
        client.post("/accounts/login", {"username": f"u{i}", "password": "x"}).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_display_name_with_markup_is_refused(client):
    user = UserFactory(verified=True)
    client.force_login(user)
    response = client.post(
        "/accounts/settings/profile", {"display_name": "<script>alert(1)</script>", "bio": ""}
    )
    assert response.status_code == 400
    assert b"may not contain" in response.content
    assert Profile.objects.get(user=user).display_name == ""


def test_token_page_creates_shows_once_and_revokes(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/accounts/settings/tokens", {"name": "script"})
    page = client.get("/accounts/settings").content.decode()
    raw = re.search(r'id="new-token">(pf_[^<]+)<', page).group(1)
    assert raw not in client.get("/accounts/settings").content.decode()
    token = ApiToken.objects.get(user=user)
    client.post(f"/accounts/settings/tokens/{token.pk}/revoke")
    token.refresh_from_db()
    assert token.revoked


def test_pages_send_a_csp_without_inline_script(client):
    response = client.get("/accounts/login")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_signup_hashes_a_password_whether_or_not_the_address_is_taken(client, monkeypatch):
    # Equal work on both paths, so the response time does not tell registered addresses apart.
    from django.contrib.auth import hashers

    calls = []
    real = hashers.get_hasher
    monkeypatch.setattr(hashers, "get_hasher", lambda *a: calls.append(1) or real(*a))
    UserFactory(username="owner", email="taken@example.org")
    calls.clear()
    _signup(client, username="newbie", email="fresh@example.org")
    fresh = len(calls)
    calls.clear()
    _signup(client, username="intruder", email="taken@example.org")
    assert fresh >= 1
    assert len(calls) == fresh


def test_sign_up_form_puts_labels_above_fields_help_in_lists_and_errors_beside_fields(client):
    page = client.get("/accounts/signup").content.decode()
    assert '<input type="email" name="email"' in page
    # Django's password rules arrive as a list and stay one: readable, not run together.
    help_text = re.search(
        r'<div class="help" id="id_password1_helptext"><ul>(.*?)</ul>', page, re.S
    )
    assert help_text and help_text.group(1).count("<li>") >= 3
    response = client.post(
        "/accounts/signup",
        {"username": "ada", "email": "ada@example.org", "password1": "x", "password2": "y"},
    )
    html = response.content.decode()
    field = re.search(
        r'<div class="field has-error">\s*<label for="id_password2">.*?</div>', html, re.S
    )
    assert field and 'class="error"' in field.group(0)
    assert 'aria-invalid="true"' in field.group(0)


def test_flash_messages_are_banners(client):
    user = UserFactory(verified=True)
    client.force_login(user)
    response = client.post(
        "/accounts/settings/profile", {"display_name": "Ada", "bio": ""}, follow=True
    )
    html = response.content.decode()
    assert re.search(r'<div class="messages" role="status"><p class="message-\w+">', html)
    assert '<ul class="messages"' not in html
