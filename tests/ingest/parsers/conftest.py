from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from paperfeed.papers.records import PaperRecord, Rejected

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO / ".." / "shared"
FIXTURES = REPO / "tests" / "fixtures" / "ingest"

# Property tests: quick, no deadline (CI machines are noisy); the autouse settings fixture of
# tests/conftest.py is function-scoped but harmless here.
settings.register_profile(
    "parsers",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROPERTY = settings.get_profile("parsers")


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with a clear message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared not present: {path.resolve()} is missing (real data lives there)")
    return path


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def only_records(items: object) -> list[PaperRecord]:
    return [item for item in items if isinstance(item, PaperRecord)]  # type: ignore[attr-defined]


def only_rejected(items: object) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]  # type: ignore[attr-defined]


def assert_only_results(items: object) -> list[PaperRecord | Rejected]:
    out = list(items)  # type: ignore[call-overload]
    for item in out:
        assert isinstance(item, PaperRecord | Rejected), type(item)
        if isinstance(item, Rejected):
            assert item.reason
    return out
