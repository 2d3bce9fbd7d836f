from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_index_dir(settings, tmp_path):
    """Each test builds its index in its own directory, never in the shared var/."""
    settings.DATA_DIR = tmp_path
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    settings.PAPERFEED_SIMILAR_ENGINE = "tfidf"
