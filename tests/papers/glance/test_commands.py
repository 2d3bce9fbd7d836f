"""`paperfeed summaries build [--full]`: its progress bar and the speed figures it reports."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from paperfeed.papers.glance.models import PaperGlance
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

ABSTRACT = (
    "Serving speech recognition models is expensive. We propose SparseRoute, a sparse "
    "mixture-of-experts router for speech recognition that activates two experts per token."
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_build_shows_progress_and_reports_papers_per_second_and_counts():
    for _ in range(3):
        PaperFactory(title="Sparse Routing for Speech Recognition", abstract=ABSTRACT)
    out, err = io.StringIO(), Terminal()
    call_command("summaries", "build", "--full", "--processes", "1", stdout=out, stderr=err)
    report = out.getvalue()
    assert re.search(r"full build: 3 papers in [\d.]+ s \([\d.]+ papers/s on 1 process\)", report)
    assert "3 with keywords, 3 with a summary from the abstract" in report
    # tqdm's bar (on stderr, where a terminal shows it) ends at the total: 3/3 papers.
    assert re.search(r"3/3 \[.*papers/s\]", err.getvalue()), err.getvalue()
    assert PaperGlance.objects.count() == 3

    quiet = Terminal()
    call_command("summaries", "build", "--no-progress", stdout=out, stderr=quiet)
    assert "incremental build: 0 papers" in out.getvalue()
    assert quiet.getvalue() == ""
