"""Building papers at a glance, and the AI sentence: rate, budget, faults, versions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from paperfeed.community.cards import card_key
from paperfeed.papers import selectors
from paperfeed.papers.glance import services
from paperfeed.papers.glance.compute import GLANCE_VERSION
from paperfeed.papers.glance.models import PaperGlance, SummaryBudget
from paperfeed.papers.models import Paper
from tests.factories import PaperFactory
from tests.papers.glance.conftest import GOOD

pytestmark = pytest.mark.django_db

ABSTRACT = (
    "Serving speech recognition models is expensive. We propose SparseRoute, a sparse "
    "mixture-of-experts router for speech recognition that activates two experts per token. "
    "On LibriSpeech, sparse routing halves the inference cost while keeping word error rate."
)


def _paper(**kwargs) -> Paper:
    return PaperFactory(
        title=kwargs.pop("title", "Sparse Routing for Efficient Speech Recognition"),
        abstract=kwargs.pop("abstract", ABSTRACT),
        **kwargs,
    )


def test_build_computes_new_papers_once_and_again_when_their_text_changes():
    paper = _paper()
    other = _paper(abstract="Background only. Nothing stated here at all.")
    first = services.glances_build()
    assert first.papers == 2
    glance = PaperGlance.objects.get(paper=paper)
    assert glance.summary.startswith("We propose SparseRoute")
    assert 3 <= len(glance.keywords) <= 6
    assert PaperGlance.objects.get(paper=other).summary == ""
    assert services.glances_build().papers == 0  # nothing new

    Paper.objects.filter(pk=paper.pk).update(
        abstract="We introduce a new routing benchmark for speech models.",
        updated_at=timezone.now(),
    )
    again = services.glances_build()
    assert again.papers == 1
    assert PaperGlance.objects.get(paper=paper).summary.startswith("We introduce")
    assert services.glances_build(full=True).papers == 2


def test_a_full_rebuild_rewrites_what_it_computes_and_keeps_the_ai_sentence():
    """The build's own upsert (one statement over a batch): new rows get the AI columns'
    defaults, old rows keep their AI sentence, and the keywords read back as a list."""
    paper = _paper()
    services.glances_build()
    new = PaperGlance.objects.get(paper=paper)
    assert (new.ai_summary, new.ai_state, new.ai_attempts, new.ai_attempted_at) == ("", "", 0, None)
    PaperGlance.objects.filter(paper=paper).update(
        keywords=["stale"],
        summary="Stale.",
        version=1,
        ai_summary="Written by a model.",
        ai_state=PaperGlance.AiState.DONE,
        ai_attempts=2,
    )
    started = timezone.now()
    assert services.glances_build(full=True).papers == 1
    row = PaperGlance.objects.get(paper=paper)
    assert row.keywords == new.keywords and "stale" not in row.keywords
    assert all(isinstance(word, str) for word in row.keywords) and len(row.keywords) >= 3
    assert row.summary.startswith("We propose SparseRoute")
    assert row.version == GLANCE_VERSION and row.computed_at >= started
    assert (row.ai_summary, row.ai_state, row.ai_attempts) == (
        "Written by a model.",
        PaperGlance.AiState.DONE,
        2,
    )


def test_glances_of_an_older_extractor_are_computed_again_and_the_card_follows():
    """A deploy that changes the extractors (`GLANCE_VERSION`) recomputes every stored glance on
    the next incremental build (the worker's after an import, or `summaries build`), and the
    shared card's cache key changes with what it shows."""
    paper = _paper()
    services.glances_build()
    # As YAKE (version 1) left it: a clause fragment among the chips.
    PaperGlance.objects.filter(paper=paper).update(
        keywords=["speech recognition", "sparse routing halves"], summary="", version=1
    )
    old_row = selectors.paper_detail(arxiv_id=paper.arxiv_id)
    assert old_row is not None and "sparse routing halves" in old_row.keywords
    assert services.glance_status()["stale"] == 1

    rebuilt = services.glances_build()
    assert rebuilt.papers == 1
    glance = PaperGlance.objects.get(paper=paper)
    assert glance.version == GLANCE_VERSION
    assert "sparse routing halves" not in glance.keywords
    assert glance.summary.startswith("We propose SparseRoute")
    assert services.glances_build().papers == 0  # current now: nothing to do
    new_row = selectors.paper_detail(arxiv_id=paper.arxiv_id)
    assert card_key(new_row, []) != card_key(old_row, [])
    # A glance made by a newer extractor than this code's (a rolling upgrade) is left alone.
    PaperGlance.objects.filter(paper=paper).update(version=GLANCE_VERSION + 1)
    assert services.glances_build().papers == 0


def test_rows_carry_keywords_and_the_labelled_summary():
    paper = _paper()
    services.glances_build()
    row = selectors.paper_detail(arxiv_id=paper.arxiv_id)
    assert row is not None
    assert row.keywords and row.summary.startswith("We propose")
    assert row.summary_source == "abstract"
    (listed,) = selectors.papers_by_ids(ids=[paper.pk])
    assert listed.keywords == row.keywords


def test_ai_sentences_are_written_labelled_and_tied_to_the_text(llm):
    paper = _paper()
    services.glances_build()
    sleeps: list[float] = []
    run = services.summaries_ai_write(sleep=sleeps.append)
    assert run.written == 1 and not run.stopped
    row = selectors.paper_detail(arxiv_id=paper.arxiv_id)
    assert (row.summary, row.summary_source) == (GOOD, "ai")
    assert services.summaries_ai_write(sleep=sleeps.append).written == 0  # cached

    # A new abstract: the old AI sentence is not shown, the abstract's is, until rewritten.
    Paper.objects.filter(pk=paper.pk).update(
        abstract="We introduce a routing benchmark for speech.", updated_at=timezone.now()
    )
    services.glances_build()
    row = selectors.paper_detail(arxiv_id=paper.arxiv_id)
    assert row.summary_source == "abstract"
    assert services.summaries_ai_write(sleep=sleeps.append).written == 1
    assert len(llm.requests) == 2


def test_requests_are_spaced_and_budgeted_per_day(llm, settings):
    settings.PAPERFEED_LLM_PER_MINUTE = 30
    settings.PAPERFEED_LLM_DAILY_BUDGET = 3
    for _ in range(5):
        _paper()
    services.glances_build()
    sleeps: list[float] = []
    run = services.summaries_ai_write(sleep=sleeps.append)
    assert run.written == 3 and run.stopped == "daily budget spent"
    assert sleeps == [2.0, 2.0]
    assert SummaryBudget.objects.get().requests == 3
    assert services.summaries_ai_write(sleep=sleeps.append).written == 0
    assert len(llm.requests) == 3


def test_bad_answers_are_recorded_and_given_up_after_three(llm):
    paper = _paper(abstract=ABSTRACT + " MARK-SORRY")
    services.glances_build()
    for attempt in range(1, 4):
        run = services.summaries_ai_write(sleep=lambda s: None)
        assert run.refused == 1
        glance = PaperGlance.objects.get(paper=paper)
        assert (glance.ai_state, glance.ai_attempts) == ("failed", attempt)
        assert glance.ai_reason == "refused by the model"
        PaperGlance.objects.filter(pk=glance.pk).update(ai_attempted_at=None)
    assert services.summaries_ai_write(sleep=lambda s: None).refused == 0
    row = selectors.paper_detail(arxiv_id=paper.arxiv_id)
    assert row.summary_source == "abstract"  # the site shows the abstract's sentence


def test_a_service_fault_pauses_the_run_without_a_strike(llm):
    _paper(abstract=ABSTRACT + " MARK-500")
    _paper(abstract=ABSTRACT + " MARK-500 too")
    services.glances_build()
    run = services.summaries_ai_write(sleep=lambda s: None)
    assert run.stopped.startswith("service unavailable: HTTP 500")
    assert len(llm.requests) == 1
    assert not PaperGlance.objects.filter(ai_attempts__gt=0).exists()


def test_a_timeout_pauses_the_run(llm, settings):
    settings.PAPERFEED_LLM_TIMEOUT = 0.2
    llm.delay = 1.0
    _paper()
    services.glances_build()
    run = services.summaries_ai_write(sleep=lambda s: None)
    assert run.stopped == "service unavailable: timeout after 0.2 s"


def test_without_a_model_nothing_is_asked(settings):
    settings.PAPERFEED_LLM_URL = ""
    _paper()
    services.glances_build()
    assert services.summaries_ai_write().stopped == "not configured"
