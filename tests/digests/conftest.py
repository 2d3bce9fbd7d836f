from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import catalogue_paper
from tests.helpers import free_port


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://papers.example.org"
    settings.DEFAULT_FROM_EMAIL = "Papierflüge · paperfeed <digest@papers.example.org>"
    settings.PAPERFEED_DIGEST_CONNECT_PAUSE_SECONDS = 0


@pytest.fixture
def catalogue(db):
    """Today's featured list: five papers, one with code, non-ASCII authors, varied categories."""
    today = timezone.localdate()
    papers = [
        catalogue_paper(
            "2601.00001",
            title="Speech recognition with tiny transformers",
            abstract="We shrink speech models by 10x. Accuracy stays within 1%. More text here.",
            authors=("Zoë Ångström", "Łukasz Kaiser"),
            categories=("cs.CL", "eess.AS"),
            featured_on=today,
            featured_upvotes=40,
            code_url="https://github.com/example/tiny-asr",
            code_stars=1234,
        ),
        catalogue_paper(
            "2601.00002",
            title="Diffusion models for protein design",
            abstract="Diffusion, e.g. for proteins, works well. Second sentence.",
            authors=("José Núñez",),
            categories=("q-bio.BM", "cs.LG"),
            featured_on=today,
            featured_upvotes=30,
        ),
        catalogue_paper(
            "2601.00003",
            title="A survey of graph neural networks",
            abstract="Graphs are everywhere. We survey them.",
            authors=("Ada Lovelace",),
            categories=("cs.LG",),
            featured_on=today,
            featured_upvotes=20,
        ),
        catalogue_paper(
            "2601.00004",
            title="Robots that fold laundry <script>alert(1)</script>",
            abstract="Folding is hard. We fold.",
            authors=("Grace Hopper",),
            categories=("cs.RO",),
            featured_on=today,
            featured_upvotes=10,
        ),
        catalogue_paper(
            "2601.00005",
            title="Older paper from last week",
            abstract="Old news.",
            authors=("Alan Turing",),
            categories=("cs.AI",),
            featured_on=today - timedelta(days=3),
            featured_upvotes=5,
        ),
    ]
    return papers


class Sink:
    """A loopback aiosmtpd server that records messages and connections, and can refuse some
    recipients permanently (5xx) or for now (4xx), like a real provider."""

    def __init__(self) -> None:
        self.messages: list = []
        self.connections: set = set()
        self.refuse: dict[str, str] = {}
        # Refused after the message is sent (DATA), not at RCPT TO: a refusal of the content.
        self.refuse_data: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for fragment, reply in self.refuse.items():
            if fragment in address:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.connections.add(session.peer)
        for fragment, reply in self.refuse_data.items():
            if any(fragment in address for address in envelope.rcpt_tos):
                return reply
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["X-Envelope-To"].lower() == address.lower()]


@pytest.fixture
def smtp_sink(settings):
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    sink.port = port
    sink.controller = controller
    try:
        yield sink
    finally:
        # A test may have stopped it already, to play an unreachable server.
        with contextlib.suppress(AssertionError):
            controller.stop()
