from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """../shared, the read-only real data; tests that need it skip clearly when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"real data not present: {SHARED} is missing (it exists on dev machines and CI)")
    return SHARED


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
