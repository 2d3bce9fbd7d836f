"""Key phrases with YAKE, filtered to the few worth a chip."""

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
