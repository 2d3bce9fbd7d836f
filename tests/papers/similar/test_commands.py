"""The ``similar`` management command."""

from __future__ import annotations

import pytest

from tests.papers.similar.conftest import make_catalogue

pytestmark = pytest.mark.django_db


def test_command_builds_and_reports(settings, capsys):
    from django.core.management import call_command

    make_catalogue(per_topic=2)
    call_command("similar", "build", "--full")
    call_command("similar", "status")
    out = capsys.readouterr().out
    assert "full tfidf build: 6 of 6 papers indexed" in out and "tfidf: 6 papers" in out
