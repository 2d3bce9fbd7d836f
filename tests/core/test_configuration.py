"""docs/configuration.md must list every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
READS = re.compile(
    r"""(?:\benv(?:_bool|_int|_list|_float)?|os\.environ\.get|os\.getenv|os\.environ\.setdefault)"""
    r"""\(\s*["']([A-Z][A-Z0-9_]+)["']"""
)
# Set by paperfeed itself for Django, not configuration.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}


def variables_read() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "paperfeed").rglob("*.py"):
        found.update(READS.findall(path.read_text()))
    return found - NOT_CONFIGURATION


def test_every_variable_is_documented():
    documented = set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", (REPO / "docs/configuration.md").read_text())
    )
    missing = sorted(variables_read() - documented)
    assert not missing, f"add these to docs/configuration.md: {missing}"


def test_the_scan_sees_the_settings_module():
    assert {"DATABASE_URL", "SECRET_KEY", "EMAIL_HOST", "PAPERFEED_DATA_DIR"} <= variables_read()
