"""The one-line summary rule: the abstract's sentence that states the contribution."""

from __future__ import annotations

import pytest

from paperfeed.papers.glance.contribution import MAX_CHARS, contribution_sentence, sentences


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        (
            "Large language models are everywhere. We propose FooNet, a network for bar. "
            "Experiments show gains.",
            "We propose FooNet, a network for bar.",
        ),
        (
            "Retrieval is hard. In this paper, we introduce a benchmark of 10k questions. "
            "It is large.",
            "We introduce a benchmark of 10k questions.",
        ),
        (
            "Agents fail often. This paper presents a taxonomy of agent failures. We also "
            "propose fixes.",
            "This paper presents a taxonomy of agent failures.",
        ),
        (
            "Models forget. To address this limitation, we develop a replay buffer that keeps "
            "old tasks alive.",
            "We develop a replay buffer that keeps old tasks alive.",
        ),
        (
            "Background sentence here. Here, we present the first open model of its kind.",
            "We present the first open model of its kind.",
        ),
        # A weaker cue when no sentence states a contribution outright.
        (
            "Scaling is costly. We show that pruning half the heads keeps 99% of accuracy.",
            "We show that pruning half the heads keeps 99% of accuracy.",
        ),
        # The strong cue wins over an earlier weak one.
        (
            "We study caching. We propose CacheFlow, a scheduler for KV caches in serving.",
            "We propose CacheFlow, a scheduler for KV caches in serving.",
        ),
    ],
)
def test_contribution_sentence_picks_the_stated_contribution(abstract, expected):
    assert contribution_sentence(abstract) == expected


def test_no_summary_when_no_sentence_states_a_contribution():
    abstract = "Large language models are widely used. Their costs are high. Many try to help."
    assert contribution_sentence(abstract) == ""
    assert contribution_sentence("") == ""


def test_abbreviations_initials_and_formulas_do_not_split_sentences():
    text = (
        "Prior work (e.g. Smith et al. 2020) uses $x = 1.5$ often. We propose a fix by J. Doe. "
        "Done."
    )
    assert sentences(text) == [
        "Prior work (e.g. Smith et al. 2020) uses $x = 1.5$ often.",
        "We propose a fix by J. Doe.",
        "Done.",
    ]


def test_long_sentences_are_cut_at_a_word_never_inside_a_formula():
    abstract = "We propose " + "a very long method name " * 10 + "with $a + b = c$ " * 20 + "end."
    summary = contribution_sentence(abstract)
    assert len(summary) <= MAX_CHARS
    assert summary.endswith("…")
    assert summary.count("$") % 2 == 0


def test_lines_are_joined_into_one():
    abstract = "Intro here.\nWe propose\n  a new\tmethod for parsing tables."
    assert contribution_sentence(abstract) == "We propose a new method for parsing tables."
