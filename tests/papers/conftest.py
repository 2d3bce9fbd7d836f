"""Fixtures the papers tests share."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture
def no_page_cache(settings):
    """Pages and counts built for each request, so a test sees what it just stored."""
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0
    cache.clear()
