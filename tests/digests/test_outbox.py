"""Digests delivered to a real SMTP server (aiosmtpd) and read back with the email package."""

from __future__ import annotations

import re
import urllib.request
from datetime import UTC, datetime, time, timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from paperfeed.digests import emails, outbox, relay, services
from paperfeed.digests.models import Delivery, Subscriber
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def send_daily(**filters) -> outbox.SendReport:
    outbox.deliveries_enqueue(frequency="daily", force=True, **filters)
    return outbox.deliveries_send()


def html_links(message) -> list[str]:
    html = message.get_body(preferencelist=("html",)).get_content()
    return re.findall(r'href="([^"]+)"', html)


def test_the_digest_as_a_mail_client_sees_it(catalogue, smtp_sink):
    subscriber = SubscriberFactory(email="zoe@example.org", content="featured", paper_count=3)
    report = send_daily()
    assert report.sent == 1
    [mail] = smtp_sink.messages
    # Structure: multipart/alternative with text first, then HTML, both UTF-8.
    assert mail.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in mail.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in mail.iter_parts())
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    # Non-ASCII author names survive the trip.
    assert "Zoë Ångström, Łukasz Kaiser" in text and "Zoë Ångström" in html
    assert str(mail["From"]).startswith("Papierflüge · paperfeed")
    # Each paper: linked title, authors, first sentence, upvotes, stars and code link.
    assert "https://papers.example.org/papers/2601.00001" in html_links(mail)
    assert "https://github.com/example/tiny-asr" in html_links(mail)
    assert "We shrink speech models by 10x." in text
    assert "Accuracy stays within" not in text
    assert "40 upvotes" in text and "1234 stars" in text
    # Top three by upvotes, in that order; the paper from three days ago is not in a daily.
    order = [text.index(t) for t in ("tiny transformers", "protein design", "graph neural")]
    assert order == sorted(order)
    assert "Older paper" not in text and "Robots that fold" not in text
    # Headers.
    assert mail["Subject"] == "Daily papers: Speech recognition with tiny transformers and 2 more"
    assert mail["Message-ID"] == emails.message_id(
        subscriber_id=subscriber.pk, period=Delivery.objects.get().period
    )
    # "-0000" (UTC, no local zone given) parses as a naive datetime.
    sent_at = parsedate_to_datetime(mail["Date"]).replace(tzinfo=UTC)
    assert abs(sent_at - timezone.now()) < timedelta(minutes=5)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = re.findall(r"<([^>]+)>", mail["List-Unsubscribe"])
    assert https.startswith("https://papers.example.org/digest/unsubscribe/")
    assert mailto.startswith("mailto:digest@papers.example.org?subject=unsubscribe")
    # Footer: preferences and unsubscribe links, in both parts.
    assert https in html_links(mail) and https in text
    assert any(
        link.startswith("https://papers.example.org/digest/preferences/")
        for link in html_links(mail)
    )
    delivery = Delivery.objects.get()
    assert delivery.state == "sent" and delivery.paper_count == 3


def test_html_is_escaped_in_mail(catalogue, smtp_sink):
    SubscriberFactory(content="featured", paper_count=10)
    send_daily()
    [mail] = smtp_sink.messages
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_personal_order_puts_matching_papers_first(catalogue, smtp_sink):
    SubscriberFactory(email="robots@example.org", content="featured", categories=["cs.RO"])
    SubscriberFactory(email="graphs@example.org", content="featured", keywords=["graphs"])
    SubscriberFactory(
        email="only@example.org", content="featured", keywords=["diffusion"], only_matching=True
    )
    SubscriberFactory(email="code@example.org", content="featured", with_code=True)
    send_daily()

    def titles(address):
        [mail] = smtp_sink.to(address)
        text = mail.get_body(preferencelist=("plain",)).get_content()
        return [t.strip() for t in re.findall(r"^\* (.+)$", text, flags=re.M)]

    assert titles("robots@example.org")[0].startswith("Robots that fold")
    assert titles("graphs@example.org")[0] == "A survey of graph neural networks"
    assert titles("only@example.org") == ["Diffusion models for protein design"]
    assert titles("code@example.org") == ["Speech recognition with tiny transformers"]


def test_both_lists_are_sections_without_repeats(catalogue, smtp_sink):
    SubscriberFactory(content="both", paper_count=6)
    send_daily()
    [mail] = smtp_sink.messages
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "== Featured ==" in text and "== Trending ==" in text
    titles = [t.strip() for t in re.findall(r"^\* (.+)$", text, flags=re.M)]
    assert len(titles) == len(set(titles)) <= 6


def test_nothing_new_is_skipped_not_sent_empty(db, smtp_sink, catalogue):
    SubscriberFactory()
    assert send_daily().sent == 1
    # The next day's period, with no newer featured list: skipped.
    Delivery.objects.update(period="daily:2000-01-01")
    report = send_daily()
    assert report.sent == 0 and report.skipped == 1
    assert len(smtp_sink.messages) == 1
    assert Delivery.objects.filter(state="skipped", last_error="nothing new").count() == 1


def test_no_featured_data_at_all_sends_nothing(db, smtp_sink):
    SubscriberFactory()
    report = send_daily()
    assert (report.sent, report.skipped) == (0, 1)
    assert smtp_sink.messages == []


def test_many_messages_share_one_connection(catalogue, smtp_sink):
    SubscriberFactory.create_batch(25)
    assert send_daily().sent == 25
    assert len(smtp_sink.messages) == 25
    assert len(smtp_sink.connections) == 1


def test_never_twice_for_one_period(catalogue, smtp_sink):
    SubscriberFactory.create_batch(3)
    send_daily()
    send_daily()
    outbox.deliveries_enqueue(frequency="daily", force=True)
    outbox.deliveries_send()
    assert len(smtp_sink.messages) == 3
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(set(ids)) == 3


def test_permanent_refusals_fail_the_address_and_stop_after_n(catalogue, smtp_sink, settings):
    settings.PAPERFEED_DIGEST_MAX_HARD_BOUNCES = 2
    bouncing = SubscriberFactory(email="gone@example.org")
    SubscriberFactory(email="fine@example.org")
    smtp_sink.refuse["gone@"] = "550 5.1.1 No such user"
    report = send_daily()
    assert (report.sent, report.failed) == (1, 1)
    failed = Delivery.objects.get(subscriber=bouncing)
    assert failed.state == "failed" and failed.next_attempt_at is None
    assert "550" in failed.last_error
    # A second period, a second hard failure: the address is not mailed any more.
    Delivery.objects.update(period="daily:2000-01-01", anchor=None)
    send_daily()
    bouncing.refresh_from_db()
    assert bouncing.status == "bouncing" and bouncing.hard_failures == 2
    assert len(smtp_sink.to("fine@example.org")) == 2
    Delivery.objects.all().delete()
    send_daily()
    assert Delivery.objects.filter(subscriber=bouncing).count() == 0


def test_temporary_refusals_are_retried_later(catalogue, smtp_sink):
    subscriber = SubscriberFactory(email="busy@example.org")
    smtp_sink.refuse["busy@"] = "451 4.3.0 Try again later"
    report = send_daily()
    assert report.retry_later == 1
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.next_attempt_at > timezone.now()
    smtp_sink.refuse.clear()
    assert outbox.deliveries_send().sent == 0  # not due yet
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox.deliveries_send().sent == 1
    assert len(smtp_sink.to(subscriber.email)) == 1


def test_smtp_unreachable_backs_off_and_loses_nothing(catalogue, settings, smtp_sink):
    SubscriberFactory.create_batch(4)
    port = smtp_sink.port
    smtp_sink.controller.stop()
    settings.PAPERFEED_DIGEST_CONNECT_RETRIES = 2
    report = send_daily()
    assert report.smtp_unreachable and report.sent == 0 and report.retry_later == 4
    rows = list(Delivery.objects.all())
    assert all(r.state == "failed" and r.next_attempt_at > timezone.now() for r in rows)
    assert all(r.attempts == 1 for r in rows)
    # The server comes back; once the backoff has passed everything goes out exactly once.
    from aiosmtpd.controller import Controller

    controller = Controller(smtp_sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert outbox.deliveries_send().sent == 4
        assert outbox.deliveries_send().sent == 0
    finally:
        controller.stop()
    assert len(smtp_sink.messages) == 4
    assert Delivery.objects.filter(state="sent").count() == 4


def test_a_relay_refusing_everyone_pauses_and_marks_nobody_bouncing(catalogue, smtp_sink, settings):
    settings.PAPERFEED_DIGEST_MAX_HARD_BOUNCES = 1
    subscribers = SubscriberFactory.create_batch(8)
    smtp_sink.refuse["@"] = "554 5.7.1 Relay access denied"
    report = send_daily()
    assert report.relay_paused and report.sent == report.failed == 0
    assert report.retry_later == 8
    rows = list(Delivery.objects.all())
    assert all(r.state == "failed" and r.next_attempt_at > timezone.now() for r in rows)
    assert all(r.last_error.startswith(relay.RELAY_FAULT) for r in rows)
    assert "554" in rows[0].last_error
    # Every period of a long outage: nobody is counted as bouncing.
    for _ in range(3):
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert outbox.deliveries_send().relay_paused
    assert not Subscriber.objects.filter(hard_failures__gt=0).exists()
    # The relay recovers: after the backoff, every subscriber gets exactly one digest.
    smtp_sink.refuse.clear()
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox.deliveries_send().sent == 8
    assert outbox.deliveries_send().sent == 0
    for subscriber in subscribers:
        assert len(smtp_sink.to(subscriber.email)) == 1
    assert set(Subscriber.objects.values_list("status", flat=True)) == {"confirmed"}


def test_a_single_refusal_without_any_acceptance_is_not_a_bounce(catalogue, smtp_sink):
    subscriber = SubscriberFactory(email="only@example.org")
    smtp_sink.refuse["only@"] = "550 5.1.1 No such user"
    report = send_daily()
    assert report.relay_paused and report.failed == 0
    subscriber.refresh_from_db()
    assert subscriber.hard_failures == 0


def test_dead_addresses_at_the_head_of_the_list_do_not_hold_up_the_others(catalogue, smtp_sink):
    for n in range(relay.REFUSALS_IN_A_ROW):
        SubscriberFactory(email=f"gone{n}@example.org")
    alive = SubscriberFactory.create_batch(3)
    smtp_sink.refuse["gone"] = "550 5.1.1 No such user"
    assert send_daily().relay_paused
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    # The retry tries the rows not tried yet first: the others get their digest.
    report = outbox.deliveries_send()
    assert report.sent == 3 and report.failed == 0
    assert all(len(smtp_sink.to(s.email)) == 1 for s in alive)
    # Five refusals in a row are still not taken for five bounces.
    assert not Subscriber.objects.filter(hard_failures__gt=0).exists()


def test_a_refused_sender_while_others_pass_is_retried_not_bounced(catalogue, smtp_sink):
    SubscriberFactory(email="first@example.org")
    odd = SubscriberFactory(email="odd@example.org")
    smtp_sink.refuse_data["odd@"] = "554 5.6.0 Message content rejected"
    report = send_daily()
    assert (report.sent, report.failed, report.retry_later) == (1, 0, 1)
    odd.refresh_from_db()
    assert odd.hard_failures == 0
    assert Delivery.objects.get(subscriber=odd).next_attempt_at is not None


def test_unsubscribed_before_sending_gets_nothing(catalogue, smtp_sink):
    subscriber = SubscriberFactory()
    outbox.deliveries_enqueue(frequency="daily", force=True)
    services.subscriber_unsubscribe(subscriber=subscriber)
    assert outbox.deliveries_send().sent == 0
    assert smtp_sink.messages == []


@pytest.mark.django_db(transaction=True)
def test_one_click_unsubscribe_as_a_mail_client_does_it(
    live_server, smtp_sink, settings, catalogue
):
    settings.SITE_URL = live_server.url
    subscriber = SubscriberFactory(email="leaving@example.org")
    send_daily()
    [mail] = smtp_sink.messages
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https = re.findall(r"<(http[^>]+)>", mail["List-Unsubscribe"])[0]
    # RFC 8058: a POST with this exact body, no cookies, no CSRF token, no log-in.
    request = urllib.request.Request(
        https,
        data=b"List-Unsubscribe=One-Click",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
    # Replayed by a client that retries: still 200, still unsubscribed.
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    # A GET (link scanners) only shows a page.
    SubscriberFactory(email="staying@example.org")
    send_daily()
    [second] = smtp_sink.to("staying@example.org")
    staying = re.findall(r"<(http[^>]+)>", second["List-Unsubscribe"])[0]
    with urllib.request.urlopen(staying, timeout=10) as response:
        assert response.status == 200
    assert Subscriber.objects.get(email="staying@example.org").status == "confirmed"


def test_staff_preview_shows_a_subscribers_next_digest(client, catalogue):
    from tests.factories import UserFactory

    subscriber = SubscriberFactory(keywords=["graphs"])
    assert client.get("/digest/preview").status_code == 302  # not staff: to the admin log-in
    staff = UserFactory()
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    page = client.get(f"/digest/preview?subscriber={subscriber.pk}").content.decode()
    assert "A survey of graph neural networks" in page
    assert page.index("graph neural") < page.index("tiny transformers")
    text = client.get(f"/digest/preview?subscriber={subscriber.email}&format=text")
    assert text["Content-Type"].startswith("text/plain")
    assert client.get("/digest/preview?subscriber=nobody@example.org").status_code == 404
    # The preview sends nothing and queues nothing.
    assert not Delivery.objects.exists()


def test_dry_run_changes_nothing(catalogue, smtp_sink, capsys):
    SubscriberFactory()
    call_command("digest", "send", "--period", "daily", "--dry-run")
    out = capsys.readouterr().out
    assert "1 would be sent" in out and "List-Unsubscribe-Post" in out
    assert not Delivery.objects.exists() and smtp_sink.messages == []


def test_due_subscribers_follow_their_own_time_and_zone(catalogue):
    tokyo = SubscriberFactory(timezone="Asia/Tokyo", send_time=time(8))
    paris = SubscriberFactory(timezone="Europe/Paris", send_time=time(8))
    weekly = SubscriberFactory(frequency="weekly", weekday=4, send_time=time(8))
    # Friday 2026-11-27 00:30 UTC: 09:30 in Tokyo, 01:30 in Paris.
    now = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    assert outbox.deliveries_enqueue(now=now) == 1
    assert Delivery.objects.get().subscriber == tokyo
    # 07:30 UTC: 08:30 in Paris, and Friday 07:30 UTC is not yet 08:00 for the weekly reader.
    assert outbox.deliveries_enqueue(now=datetime(2026, 11, 27, 7, 30, tzinfo=UTC)) == 1
    assert Delivery.objects.filter(subscriber=paris, period="daily:2026-11-27").exists()
    assert outbox.deliveries_enqueue(now=datetime(2026, 11, 27, 8, 0, tzinfo=UTC)) == 1
    assert Delivery.objects.filter(subscriber=weekly, period="weekly:2026-11-23").exists()
    # Ticking again queues nothing twice.
    assert outbox.deliveries_enqueue(now=datetime(2026, 11, 27, 9, 0, tzinfo=UTC)) == 0
