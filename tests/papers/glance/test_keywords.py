"""Key phrases by papers/glance/keywords.py, filtered to the few worth a chip."""

from __future__ import annotations

from paperfeed.papers.glance.keywords import MAX_KEYWORDS, keywords_extract

TITLE = "Sparse Mixture-of-Experts Routing for Efficient Speech Recognition"
ABSTRACT = (
    "Automatic speech recognition systems built on large transformer models are expensive to "
    "serve. We propose a sparse mixture-of-experts routing scheme that activates two experts "
    "per token. On LibriSpeech, sparse routing halves the inference cost of speech recognition "
    "while keeping the word error rate. We release the routing code and the trained "
    "mixture-of-experts checkpoints."
)


def test_keywords_are_a_few_distinct_phrases_of_the_paper():
    keywords = keywords_extract(TITLE, ABSTRACT)
    assert 3 <= len(keywords) <= MAX_KEYWORDS
    assert len({k.lower() for k in keywords}) == len(keywords)
    text = f"{TITLE} {ABSTRACT}".lower()
    for keyword in keywords:
        assert keyword.lower() in text, keyword
    assert any("speech recognition" in k for k in keywords), keywords


def test_keywords_drop_generic_words_clauses_and_plain_single_words():
    keywords = keywords_extract(TITLE, ABSTRACT)
    for keyword in keywords:
        words = keyword.lower().split()
        assert words[0] not in {"novel", "propose", "approach", "method", "model"}
        assert not {"and", "of", "the", "to"} & set(words)
        if len(words) == 1:
            assert any(ch.isupper() or ch.isdigit() for ch in keyword[1:])


def test_keywords_keep_acronyms_and_lower_plain_capitals():
    keywords = keywords_extract(
        "LoRA Adapters for GPT-4 Style Models",
        "We study LoRA adapters on GPT-4 style language models. LoRA adapters cut memory by "
        "half while keeping quality. Parameter-Efficient Fine-Tuning with LoRA adapters works.",
    )
    assert any("LoRA" in k for k in keywords), keywords
    assert all(k == k.lower() or any(c.isupper() for c in k[1:]) for k in keywords)


def test_no_keywords_without_text_and_formulas_are_ignored():
    assert keywords_extract("", "") == []
    assert keywords_extract("Hi", "") == []
    keywords = keywords_extract(
        "Bounds on $\\alpha$-divergence estimators",
        "We derive bounds on $\\alpha$-divergence estimators $\\hat{D}_\\alpha(p\\|q)$ for "
        "kernel density estimators and show minimax rates for divergence estimation.",
    )
    assert all("\\" not in k and "$" not in k for k in keywords)


# Abstracts in arXiv's shape (written for these tests): clauses whose verbs an extractor that
# only counts words turns into chips ("crafting requires", "FIGR outperforms strong").
AGENT_TITLE = "Let It Run: Agentic Crafting in Open Sandboxes with the ROVER Agent"
AGENT_ABSTRACT = (
    "Agentic crafting requires LLMs to operate in real-world sandboxes over many turns. "
    "Existing agent frameworks significantly underperform because tool feedback is sparse. "
    "We introduce ROVER, an open sandbox agent trained with turn-level credit assignment. "
    "ROVER outperforms strong baselines on 12 benchmarks and reaches 41.2% on SWE-bench. "
    "We release the sandbox suite and the agent."
)


def _words_of(keywords: list[str]) -> list[list[str]]:
    return [keyword.lower().split() for keyword in keywords]


def test_no_chip_holds_a_verb_an_adverb_or_a_clause():
    keywords = keywords_extract(AGENT_TITLE, AGENT_ABSTRACT)
    assert 3 <= len(keywords) <= 6, keywords
    acting = {"requires", "outperforms", "underperform", "reaches", "operate", "release", "we"}
    for words in _words_of(keywords):
        assert not acting & set(words), keywords
        assert not any(word.endswith("ly") for word in words), keywords
        assert words[-1] not in {"strong", "trained", "existing"}, keywords
    assert "agentic crafting" in keywords, keywords
    assert "ROVER" in keywords, keywords


def test_numbers_alone_and_percentages_are_never_chips():
    keywords = keywords_extract(AGENT_TITLE, AGENT_ABSTRACT)
    for keyword in keywords:
        assert any(ch.isalpha() for ch in keyword), keywords
        assert "41.2" not in keyword and "12" not in keyword.split(), keywords


def test_the_titles_name_and_technical_phrases_come_first():
    keywords = keywords_extract(
        "mHC: Manifold-Constrained Hyper-Connections",
        "Recently, hyper-connections (HC) have widened the residual stream of transformers. "
        "However, HC breaks the identity mapping of the residual connection, which hurts "
        "training stability at scale. We propose Manifold-Constrained Hyper-Connections "
        "(mHC), which project the residual connection space onto a manifold. Experiments on "
        "27B models show stable training with 6.7% overhead.",
    )
    # The abstract writes the method's name with capitals mid-sentence: kept as written.
    assert set(keywords[:2]) == {"Manifold-Constrained Hyper-Connections", "mHC"}, keywords
    assert "residual connection" in keywords, keywords


def test_title_opening_verbs_and_gerund_verbs_start_no_chip():
    keywords = keywords_extract(
        "Scaling Open-Ended Reasoning to Predict the Future",
        "Detecting point anomalies in forecasts is hard. We train forecasters with open-ended "
        "reasoning over news, and measure calibration of open-ended reasoning on future events.",
    )
    assert "open-ended reasoning" in keywords, keywords
    assert not any(k.split()[0] in {"scaling", "detecting"} for k in keywords), keywords


def test_chips_do_not_overlap_and_long_title_runs_keep_their_head_noun():
    keywords = keywords_extract(
        "PhyGDPO: Physics-Aware Groupwise Direct Preference Optimization for Video Generation",
        "We formulate Physics-Aware Groupwise Direct Preference Optimization, PhyGDPO, for "
        "video generation with physics rewards. Direct preference optimization on groups of "
        "videos captures holistic preferences beyond pairwise comparisons.",
    )
    assert "direct preference optimization" in [k.lower() for k in keywords], keywords
    keys = [tuple(words) for words in _words_of(keywords)]
    for one in keys:
        for other in keys:
            if one is other:
                continue
            # No chip is a piece of, or continues, another.
            assert not set(one) & set(other), keywords


def test_an_acronym_and_its_expansion_are_one_chip():
    keywords = keywords_extract(
        "Retrieval Heads in Large Language Models",
        "Large language models (LLMs) retrieve facts from context. We locate retrieval heads "
        "in LLMs and show that LLMs lose recall when retrieval heads are pruned.",
    )
    lowered = [k.lower() for k in keywords]
    assert "retrieval heads" in lowered, keywords
    assert not ("llms" in lowered and "large language models" in lowered), keywords


def test_no_maths_markup_and_no_phrase_across_a_formula_or_a_link():
    keywords = keywords_extract(
        "Sharp Bounds for Kernel Divergence Estimators",
        "We bound kernel divergence estimators $\\hat{D}_{\\alpha}(p \\| q)$ uniform error "
        "under $\\mathcal{O}(n^{-1/2})$ smoothness. Code: https://github.com/example/kde-bounds",
    )
    assert keywords, keywords
    for keyword in keywords:
        assert not set(keyword) & set("$\\{}^_|()"), keywords
        assert "mathcal" not in keyword and "github" not in keyword.lower(), keywords
        assert "estimators uniform" not in keyword, keywords


def test_case_is_kept_for_names_and_mid_sentence_capitals_only():
    keywords = keywords_extract(
        "Sparse Gaussian Process Regression with LoRA-Style Inducing Points",
        "Gaussian process regression scales cubically. Sparse Gaussian process regression "
        "with inducing points trades accuracy for speed. We fit Gaussian process regression "
        "with LoRA-style inducing points on the UCI benchmarks and on GPT-4o embeddings.",
    )
    # "Gaussian" is capitalised mid-sentence (a name); the title's capitals say nothing;
    # acronyms and names keep theirs.
    assert "Gaussian process regression" in keywords or any(
        "Gaussian process" in k for k in keywords
    ), keywords
    assert any("LoRA-style" in k for k in keywords), keywords
    for keyword in keywords:
        for word in keyword.split():
            assert word in {"Gaussian", "LoRA-style", "UCI", "GPT-4o"} or word == word.lower(), (
                keywords
            )


def test_report_words_and_name_modifiers_are_no_chips_and_two_ideas_may_share_a_word():
    assert keywords_extract("GR-Dexter Technical Report", "") == ["GR-Dexter"]
    keywords = keywords_extract(
        "Guiding Diffusion Transformers with Internal Dynamics",
        "We propose Internal Guidance (IG), which reads the internal dynamics of diffusion "
        "transformers. IG uses SAM-optimized layers and LLM-based captions. With IG, diffusion "
        "transformers read their internal dynamics at every step.",
    )
    lowered = [k.lower() for k in keywords]
    assert "internal guidance" in lowered and "internal dynamics" in lowered, keywords
    assert not any(k.split()[-1].lower() in {"sam-optimized", "llm-based"} for k in keywords)


def test_the_name_a_title_gives_its_paper_is_a_chip_even_when_a_plain_word():
    keywords = keywords_extract(
        "Valori: A Deterministic Memory Substrate for AI Systems",
        "Vector stores drift across hardware. We build a deterministic memory substrate with "
        "fixed-point kernels, so every replay of an agent's memory returns the same neighbours.",
    )
    assert keywords[0] == "Valori", keywords
    assert "deterministic memory substrate" in keywords, keywords


def test_a_title_acronym_and_its_expansion_are_never_both_chips():
    # The acronym names the paper (the title's name is scored up) and the abstract spells it
    # out without parentheses: 3% of the real corpus showed both ("ACE", "Adaptive Context
    # Elasticizer"; "LLMs", "large language models").
    chips = keywords_extract(
        "ACE: Adaptive Context Elasticizer for Long Prompts",
        "Adaptive context elasticizer grows and shrinks the context window of long prompts. "
        "The adaptive context elasticizer keeps retrieval accuracy on long prompts while "
        "halving the key-value cache.",
    )
    lowered = [chip.lower() for chip in chips]
    assert ("ace" in lowered) != ("adaptive context elasticizer" in lowered), chips
    plural = keywords_extract(
        "LLMs as Judges of Code Review Comments",
        "Large language models grade code review comments. We ask LLMs to judge code review "
        "comments written by large language models and by people.",
    )
    assert not ({"LLMs", "large language models"} <= set(plural)), plural


def test_generic_heads_after_generic_words_are_no_chips():
    chips = keywords_extract(
        "Pruning Attention Heads in Protein Folding Transformers",
        "We study the neural network structure of protein folding transformers. The neural "
        "network structure of protein folding transformers lets us prune attention heads; "
        "the model architecture keeps its accuracy after pruning attention heads.",
    )
    assert "neural network structure" not in chips
    assert "model architecture" not in chips
    assert "protein folding transformers" in chips


def test_leading_evaluative_adjectives_are_trimmed():
    # "lightweight", "scalable", "robust"... lead thousands of the real corpus's chips
    # (bench/glance_generic.py) and say how good the authors find their work, not what it is.
    chips = keywords_extract(
        "Lightweight Transformers for Scalable Video Retrieval",
        "Lightweight transformers index long videos. Scalable video retrieval with lightweight "
        "transformers and robust temporal grounding answers queries in milliseconds; robust "
        "temporal grounding helps.",
    )
    assert "video retrieval" in chips and "temporal grounding" in chips, chips
    assert not any(chip.split()[0] in {"lightweight", "scalable", "robust"} for chip in chips), (
        chips
    )


def test_the_name_an_abstract_gives_its_contribution_is_a_chip_even_said_once():
    # Real rows of the quality check missed "PFP", "CHORD" and "L2T": each said once or
    # twice, never in the title, and a plain mention of one word scores nothing.
    chips = keywords_extract(
        "Pretraining Frame Preservation in Autoregressive Video Memory Compression",
        "Long videos do not fit in short contexts. We present PFP, a neural network structure "
        "to compress long videos into short contexts, with an explicit pretraining objective "
        "to preserve frame details. Frame preservation keeps video memory compression faithful.",
    )
    assert "PFP" in chips, chips
    chips = keywords_extract(
        "Choreographing a World of Dynamic Objects",
        "Dynamic objects deform and interact. In this paper, we present a universal generative "
        "pipeline, CHORD, for choreographing dynamic objects and scenes. Rule-based graphics "
        "pipelines need category-specific heuristics; our distillation-based pipeline extracts "
        "Lagrangian motion from video generative models.",
    )
    assert "CHORD" in chips, chips
    # Not a name: a plain word after the cue is no chip.
    chips = keywords_extract(
        "Sparse Routing for Speech Recognition",
        "We propose routing, a simple idea: sparse routing of speech recognition experts.",
    )
    assert "routing" not in chips, chips


def test_a_property_or_a_part_ranks_below_the_things_it_qualifies():
    # "generation quality" was the fifth chip of a real row; "model family" was one of three.
    chips = keywords_extract(
        "Guiding a Diffusion Transformer with the Internal Dynamics of Itself",
        "To achieve better generation quality, guidance strategies such as classifier free "
        "guidance steer samples to high-probability areas. We propose Internal Guidance, an "
        "auxiliary supervision on the intermediate layer during training that extrapolates the "
        "outputs of intermediate and deep layers during sampling. Internal Guidance improves "
        "training efficiency and generation quality on ImageNet.",
    )
    assert "generation quality" not in chips, chips
    assert {"Internal Guidance", "classifier free guidance"} <= set(chips), chips
    chips = keywords_extract(
        "Benchmark Scores: Systematic Evaluation of LLM Benchmarks",
        "We evaluate LLM benchmarks with three complementary metrics. Across each model family, "
        "the metrics show that LLM benchmarks disagree: a model family may rank first on one "
        "benchmark and last on another. Systematic evaluation of LLM benchmarks needs ranking "
        "consistency.",
    )
    assert "model family" not in chips and "ranking consistency" in chips, chips
    assert not any(chip.split()[0] == "three" for chip in chips), chips


def test_one_name_spelt_two_ways_is_one_chip():
    # A real paper (2508.18531) showed "SAT-SKYLINES" and "SatSkylines" once the abstract's
    # name for its contribution counted.
    chips = keywords_extract(
        "SAT-SKYLINES: 3D Building Generation from Satellite Imagery",
        "Satellite imagery lacks facade detail. We propose SatSkylines, a 3D building "
        "generation approach that takes coarse geometric priors from satellite imagery.",
    )
    assert "SAT-SKYLINES" in chips and "SatSkylines" not in chips, chips
