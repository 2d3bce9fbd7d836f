"""digests/views.py: subscribing with a real SMTP server (double opt-in, bad input), preferences."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from paperfeed.digests import tokens
from paperfeed.digests.models import Subscriber
from tests.factories import SubscriberFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://papers\.example\.org(/digest/[a-z]+/[^\s\"<]+)")


def links_in(message) -> list[str]:
    return LINK.findall(message.get_body(preferencelist=("plain",)).get_content())


def subscribe(client, email: str, ip: str = "203.0.113.5"):
    return client.post(reverse("digests:subscribe"), {"email": email}, REMOTE_ADDR=ip)


def test_double_opt_in_through_a_real_smtp_server(client, smtp_server, run_tasks):
    response = subscribe(client, "Reader@Example.org")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "pending"
    assert smtp_server.messages == []  # queued for the worker, not sent in the request
    run_tasks()
    [mail] = smtp_server.to("Reader@example.org")
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "Confirm your paperfeed digest subscription"
    # The From display name is not ASCII: it must arrive encoded and decode back intact.
    assert str(mail["From"]) == "Papierflüge · paperfeed <digest@papers.example.org>"
    [confirm_path] = links_in(mail)
    assert confirm_path.startswith("/digest/confirm/")

    # GET (a mail scanner) changes nothing.
    page = client.get(confirm_path)
    assert page.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"

    done = client.post(confirm_path)
    assert done.status_code == 302
    assert done["Location"].startswith("/digest/preferences/")
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed" and subscriber.confirmed_at is not None
    # Replaying the link is harmless.
    again = client.post(confirm_path)
    assert again.status_code == 302
    assert Subscriber.objects.get().status == "confirmed"


def test_the_answer_never_tells_whether_an_address_is_subscribed(client, smtp_server, run_tasks):
    SubscriberFactory(email="alice@example.org")
    known = subscribe(client, "alice@example.org")
    unknown = subscribe(client, "bob@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r"csrf\w*\W+\w+", "", r.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)
    run_tasks()
    # The owner of the known address is told by mail instead, with their preferences link.
    [note] = smtp_server.to("alice@example.org")
    assert "is already subscribed" in " ".join(
        note.get_body(preferencelist=("plain",)).get_content().split()
    )
    assert any(p.startswith("/digest/preferences/") for p in links_in(note))
    assert Subscriber.objects.get(email="alice@example.org").status == "confirmed"


def test_subscribe_is_rate_limited_per_ip(client, settings, smtp_server):
    settings.PAPERFEED_RATE_SUBSCRIBE_IP = "3/h"
    for n in range(3):
        assert subscribe(client, f"r{n}@example.org").status_code == 200
    assert subscribe(client, "r9@example.org").status_code == 429
    assert subscribe(client, "r9@example.org", ip="198.51.100.7").status_code == 200


def test_one_address_gets_few_mails_however_often_it_is_submitted(
    client, settings, smtp_server, run_tasks
):
    settings.PAPERFEED_DIGEST_MAILS_PER_ADDRESS_HOUR = 2
    for n in range(5):
        assert subscribe(client, "victim@example.org", ip=f"192.0.2.{n}").status_code == 200
    run_tasks()
    assert len(smtp_server.to("victim@example.org")) == 2


@pytest.mark.parametrize(
    "raw",
    ["not-an-address", "reader@example.org\r\nBcc: x@example.org", "a@b", "zoë@example.org"],
)
def test_bad_addresses_get_a_clear_error_and_nothing_is_stored(client, raw, smtp_server, run_tasks):
    response = subscribe(client, raw)
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not Subscriber.objects.exists()
    run_tasks()
    assert smtp_server.messages == []


def test_international_domains_are_stored_and_mailed_in_idna(client, smtp_server, run_tasks):
    assert subscribe(client, "leser@bücher.example.org").status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "leser@xn--bcher-kva.example.org"
    run_tasks()
    [mail] = smtp_server.messages
    assert mail["X-Envelope-To"] == "leser@xn--bcher-kva.example.org"
    # The same address typed either way is one subscriber.
    subscribe(client, "LESER@XN--BCHER-KVA.example.org")
    assert Subscriber.objects.count() == 1


def test_preferences_page_saves_checked_values(client):
    subscriber = SubscriberFactory()
    url = reverse(
        "digests:preferences",
        args=[tokens.make_token(subscriber=subscriber, purpose=tokens.PREFERENCES)],
    )
    form = {
        "frequency": "weekly",
        "weekday": "4",
        "send_time": "07:30",
        "timezone": "America/Sao_Paulo",
        "content": "trending",
        "categories": "cs.CL cs.LG",
        "keywords": "speech, diffusion models",
        "with_code": "on",
        "paper_count": "5",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert (subscriber.frequency, subscriber.weekday, str(subscriber.send_time)) == (
        "weekly",
        4,
        "07:30:00",
    )
    assert subscriber.timezone == "America/Sao_Paulo"
    assert subscriber.categories == ["cs.CL", "cs.LG"]
    assert subscriber.keywords == ["speech", "diffusion models"]
    assert subscriber.with_code and subscriber.paper_count == 5

    for bad in (
        {"timezone": "Mars/Olympus"},
        {"paper_count": "500"},
        {"categories": "<script>"},
        {"keywords": "x" * 70},
        {"frequency": "hourly"},
    ):
        response = client.post(url, {**form, **bad})
        assert response.status_code == 400, bad
        assert 'class="error"' in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.timezone == "America/Sao_Paulo"


def test_signed_in_member_subscribes_from_settings(client, smtp_server, run_tasks):
    member = UserFactory(verified=True)
    client.force_login(member)
    response = client.post(reverse("digests:account_subscribe"))
    assert response.status_code == 302
    assert response["Location"].startswith("/digest/preferences/")
    subscriber = Subscriber.objects.get()
    assert subscriber.user == member and subscriber.status == "confirmed"
    run_tasks()
    assert smtp_server.messages == []  # a verified address needs no second confirmation

    unverified = UserFactory(verified=False)
    client.force_login(unverified)
    client.post(reverse("digests:account_subscribe"))
    assert Subscriber.objects.get(user=unverified).status == "pending"
    run_tasks()
    assert len(smtp_server.to(unverified.email)) == 1
    # GET does nothing.
    assert client.get(reverse("digests:account_subscribe")).status_code == 405


def test_subscribe_form_is_on_list_pages(client, catalogue):
    page = client.get(reverse("papers:latest")).content.decode()
    assert 'action="/digest/subscribe"' in page


def test_subscribe_page_has_one_form_with_an_email_field(client):
    page = client.get(reverse("digests:subscribe")).content.decode()
    # The page's own form replaces the footer's: one form to fill, not two.
    assert page.count('action="/digest/subscribe"') == 1
    assert re.search(r'<input type="email" name="email"[^>]*autocomplete="email"', page)
    footer = client.get("/accounts/login").content.decode()
    assert 'id="digest-email" type="email"' in footer
