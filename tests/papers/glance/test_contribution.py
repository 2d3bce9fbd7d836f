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


# Texts in the shape of Hugging Face comments, which the scraped pages hold where a paper has
# no abstract (written for these tests): a greeting, links, a bot's note, emoji plugs.
@pytest.mark.parametrize(
    "text",
    [
        "Hi all, We present a robust framework for lung sound classification using AST "
        "backbones with a SAM optimizer.",
        "Hello everyone! We introduce FooBench, a benchmark for table reasoning.",
        "Arxiv: https://arxiv.org/abs/2512.00001 Repo: https://github.com/example/foo",
        "GitHub at https://github.com/example/awesome-spatial-intelligence",
        "Check out our demo: we propose a new way to edit videos with text.",
        "This is an automated message from the Librarian Bot. I found the following papers "
        "similar to this paper. The following papers were recommended by the Semantic "
        "Scholar API.",
        "🔥🔥🔥 FooGPT 🌟 We introduce FooGPT, a multimodal LLM that hears and speaks.",
        "We propose FooNet; see https://foonet.example.org for the code and models.",
    ],
)
def test_greetings_links_and_comment_chatter_are_never_a_summary(text):
    assert contribution_sentence(text) == ""


def test_a_contribution_beside_chatter_is_still_found():
    abstract = (
        "Video editing is slow. We introduce CutFlow, a text-driven video editor. "
        "Please check our project page at https://cutflow.example.org for more results."
    )
    assert contribution_sentence(abstract) == "We introduce CutFlow, a text-driven video editor."


def test_the_main_contribution_wins_over_we_then_and_we_also():
    survey = (
        "Memory bridges past and future. Existing works struggle to assimilate human memory "
        "mechanisms. To bridge this gap, we systematically synthesize interdisciplinary "
        "knowledge of memory for LLM-driven agents. We then provide a comparative analysis of "
        "memory taxonomies. We also propose a benchmark of agent memory."
    )
    assert contribution_sentence(survey).startswith(
        "We systematically synthesize interdisciplinary knowledge"
    )
    also_first = (
        "Caches are costly. We also propose a profiler for caches. We propose CacheFlow, a "
        "scheduler for KV caches in serving."
    )
    assert contribution_sentence(also_first).startswith("We propose CacheFlow")


def test_the_sentence_naming_the_titles_method_wins_over_a_first_step():
    abstract = (
        "Text-to-video models ignore physics. In this paper, we first introduce a physics "
        "data pipeline, PhyPipe, that collects training videos. Then we formulate Groupwise "
        "Direct Preference Optimization, PhyGDPO, which learns from groups of videos. In "
        "PhyGDPO, we design a physics reward. To further help training, we introduce a "
        "LoRA reference scheme."
    )
    title = "PhyGDPO: Physics-Aware Groupwise Direct Preference Optimization for Video"
    assert contribution_sentence(abstract, title=title).startswith(
        "We formulate Groupwise Direct Preference Optimization, PhyGDPO"
    )
    # Without the title, the first strong statement is the summary.
    assert contribution_sentence(abstract).startswith("We first introduce a physics data")
