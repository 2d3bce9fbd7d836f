"""digests/tokens.py: signed confirm, preference and unsubscribe links, through the pages that
read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from paperfeed.digests import tokens
from paperfeed.digests.models import Subscriber
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def subscribe(client, email: str, ip: str = "203.0.113.5"):
    return client.post(reverse("digests:subscribe"), {"email": email}, REMOTE_ADDR=ip)


class TestTokens:
    def test_tampered_tokens_are_refused(self, client):
        subscriber = SubscriberFactory()
        token = tokens.make_token(subscriber=subscriber, purpose=tokens.PREFERENCES)
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        response = client.get(reverse("digests:preferences", args=[forged]))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()

    def test_one_subscribers_token_never_opens_another(self, client):
        alice, bob = SubscriberFactory(), SubscriberFactory()
        token = tokens.make_token(subscriber=alice, purpose=tokens.PREFERENCES)
        page = client.get(reverse("digests:preferences", args=[token])).content.decode()
        assert alice.email in page and bob.email not in page
        # Re-signing Bob's id needs the secret key; with a wrong key the signature fails.
        fake = signing.dumps(
            [bob.pk, bob.key], key="not-the-secret", salt="paperfeed.digests.preferences"
        )
        assert client.get(reverse("digests:preferences", args=[fake])).status_code == 400
        # Tokens are bound to their purpose: an unsubscribe token opens no preferences.
        unsub = tokens.make_token(subscriber=alice, purpose=tokens.UNSUBSCRIBE)
        assert client.get(reverse("digests:preferences", args=[unsub])).status_code == 400

    def test_confirmation_and_preference_links_expire_unsubscribe_links_do_not(
        self, client, settings
    ):
        settings.PAPERFEED_DIGEST_CONFIRM_HOURS = 48
        settings.PAPERFEED_DIGEST_LINK_DAYS = 30
        subscriber = SubscriberFactory(status="pending")
        now = timezone.now()

        def link(purpose: str, age: timedelta) -> str:
            return tokens.make_token(subscriber=subscriber, purpose=purpose, now=now - age)

        minute = timedelta(minutes=1)
        # Just inside their lifetime, the links still open the page.
        fresh_prefs = link(tokens.PREFERENCES, timedelta(days=30) - minute)
        assert client.get(reverse("digests:preferences", args=[fresh_prefs])).status_code == 200
        # Just past it, they are refused with a clear message.
        confirm = link(tokens.CONFIRM, timedelta(hours=48) + minute)
        response = client.post(reverse("digests:confirm", args=[confirm]))
        assert response.status_code == 400 and "expired" in response.content.decode()
        prefs = link(tokens.PREFERENCES, timedelta(days=30) + minute)
        assert client.get(reverse("digests:preferences", args=[prefs])).status_code == 400
        # An unsubscribe link from a digest years old still works.
        unsub = link(tokens.UNSUBSCRIBE, timedelta(days=3 * 365))
        assert client.post(reverse("digests:unsubscribe", args=[unsub])).status_code == 200
        subscriber.refresh_from_db()
        assert subscriber.status == "unsubscribed"

    def test_a_confirmation_link_confirms_until_it_expires(self, client, settings):
        settings.PAPERFEED_DIGEST_CONFIRM_HOURS = 48
        subscriber = SubscriberFactory(status="pending")
        issued = timezone.now() - timedelta(hours=48) + timedelta(minutes=1)
        confirm = tokens.make_token(subscriber=subscriber, purpose=tokens.CONFIRM, now=issued)
        assert client.post(reverse("digests:confirm", args=[confirm])).status_code == 302
        subscriber.refresh_from_db()
        assert subscriber.status == "confirmed"

    def test_old_links_die_when_the_reader_subscribes_again(self, client, smtp_server):
        subscriber = SubscriberFactory()
        old_prefs = tokens.make_token(subscriber=subscriber, purpose=tokens.PREFERENCES)
        old_confirm = tokens.make_token(subscriber=subscriber, purpose=tokens.CONFIRM)
        unsub = tokens.make_token(subscriber=subscriber, purpose=tokens.UNSUBSCRIBE)
        client.post(reverse("digests:unsubscribe", args=[unsub]))
        # Replayed: still fine, still unsubscribed.
        assert client.post(reverse("digests:unsubscribe", args=[unsub])).status_code == 200
        # An old confirmation link cannot bring the subscription back.
        assert client.post(reverse("digests:confirm", args=[old_confirm])).status_code == 400
        subscribe(client, subscriber.email)
        assert client.get(reverse("digests:preferences", args=[old_prefs])).status_code == 400
        assert Subscriber.objects.get().status == "pending"
