from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.ingest.parsers.hf_abstract import (
    MAX_LENGTH,
    scraped_text_is_abstract,
    strip_abstract_label,
)

from .conftest import PROPERTY, shared_path

TITLE = "Sparse Routing for Long-Context Retrieval"
# Written for these tests in the shape of an arXiv abstract: context first, then the method,
# then results; TeX typed as TeX, plain ASCII punctuation; about 1,150 characters.
ABSTRACT = (
    "Retrieval-augmented language models struggle when the evidence for an answer is spread "
    "over documents that exceed the context window of the reader. Existing approaches either "
    "truncate the retrieved set, losing evidence, or summarise it, losing the exact wording "
    "that many questions depend on. In this work we study sparse routing, a mechanism that "
    "assigns each retrieved passage to a small subset of reader layers according to a learned "
    "relevance score. The router is trained jointly with the reader using a differentiable "
    "top-$k$ relaxation, and adds less than $2\\%$ to the cost of a forward pass. On four "
    "multi-hop question answering benchmarks, sparse routing improves exact match by 3.1 to "
    "6.4 points over dense concatenation while reading eight times more passages at the same "
    "latency. Ablations show that the gains come from routing rather than from the larger "
    "candidate set, and that the learned scores transfer across retrievers without "
    "retraining. Analysis of the routing decisions reveals that early layers attend to "
    "lexical overlap while later layers prefer passages that complete a reasoning chain. "
    "Code and trained checkpoints are released to support further research."
)


def test_an_arxiv_style_abstract_is_the_abstract() -> None:
    assert 1_000 < len(ABSTRACT) < MAX_LENGTH
    assert scraped_text_is_abstract(ABSTRACT, title=TITLE)
    assert scraped_text_is_abstract("Abstract: " + ABSTRACT, title=TITLE)
    assert strip_abstract_label("Abstract: " + ABSTRACT) == ABSTRACT
    assert strip_abstract_label("  ABSTRACT. " + ABSTRACT) == ABSTRACT
    assert strip_abstract_label(ABSTRACT) == ABSTRACT


@pytest.mark.parametrize(
    ("note", "why"),
    [
        ("Project page: https://example.org/routing", "short"),
        (ABSTRACT[:900] + ".", "shorter than a real abstract"),
        (ABSTRACT + " " + ABSTRACT, "longer than arXiv allows"),
        (ABSTRACT[:-1], "no final full stop"),
        ("\U0001f680 " + ABSTRACT, "emoji"),
        (ABSTRACT.replace("wording that", "wording \u2014 that"), "typographic dash"),
        (ABSTRACT.replace("the reader.", "the \u201creader\u201d."), "typographic quotes"),
        ("TL;DR: " + ABSTRACT, "TL;DR"),
        (ABSTRACT.replace("In this work we", "I"), "first person singular"),
        (ABSTRACT.replace("Retrieval-augmented", "In our new paper, retrieval-augmented"), "ours"),
        ("We introduce SparseRoute. " + ABSTRACT, "opens like a summary"),
        ("This paper studies routing. " + ABSTRACT, "opens like a summary"),
        ("SparseRoute introduces routing. " + ABSTRACT, "opens with the method's name"),
        (TITLE + " " + ABSTRACT, "opens with the title"),
        (ABSTRACT.replace("sparse routing, a", "sparse routing , a"), "stripped bold markup"),
        (ABSTRACT.replace("Code and", "Check it out! Code and"), "exclamation"),
        (
            "This is an automated message from the Librarian Bot. " + ABSTRACT,
            "librarian bot",
        ),
        (ABSTRACT.replace("Code and", "Accepted to ACL 2026. Code and"), "acceptance note"),
    ],
)
def test_notes_stay_notes(note: str, why: str) -> None:
    assert not scraped_text_is_abstract(note, title=TITLE), why


def test_a_name_in_the_title_that_leads_the_text_marks_a_summary() -> None:
    text = "SparseRoute, a router for readers. " + ABSTRACT
    assert not scraped_text_is_abstract(text, title="SparseRoute: Routing for Retrieval")
    assert scraped_text_is_abstract(ABSTRACT, title="SparseRoute: Routing for Retrieval")


@pytest.mark.parametrize(
    "text",
    ["", " ", "\x00" * 2000, "a." * 100_000, ABSTRACT.replace(" ", "\ud800 "), "\u202e" + ABSTRACT],
)
def test_hostile_text_is_never_an_abstract_nor_an_error(text: str) -> None:
    assert scraped_text_is_abstract(text, title=TITLE) is False


@PROPERTY
@given(text=st.text(max_size=2500), title=st.text(max_size=200))
def test_arbitrary_text_gives_a_bool(text: str, title: str) -> None:
    assert scraped_text_is_abstract(text, title=title) in (True, False)


@pytest.mark.slow
def test_precision_on_the_real_scrapes_is_at_least_99_percent(capsys) -> None:
    """bench/hf_abstracts.py over ../shared: the parser's rule against arXiv's abstracts."""
    from bench.hf_abstracts import main

    shared = shared_path("data", "hf_daily_papers").parent.parent
    shared_path("data", "arxiv_daily_cs")
    assert main(["--shared", str(shared)]) == 0
    report = capsys.readouterr().out
    assert "precision=" in report
