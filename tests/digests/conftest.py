from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import catalogue_paper


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://papers.example.org"
    settings.DEFAULT_FROM_EMAIL = "Papierflüge – paperfeed <digest@papers.example.org>"
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
