from __future__ import annotations

from paperfeed.papers import spelling


def test_edits1_holds_each_kind_of_edit():
    near = spelling.edits1("model")
    assert {"mode", "moedl", "modal", "models"} <= near
    assert "model" not in near and "" not in near


def test_correct_replaces_unknown_words_by_the_most_common_neighbour():
    counts = {"diffusion": 40, "models": 90, "modes": 3, "graph": 5}

    def frequencies(words):
        return {w: counts[w] for w in words if w in counts}

    assert spelling.correct(["difusion", "modles"], frequencies=frequencies) == [
        "diffusion",
        "models",
    ]
    # Known words stay; short and non-ASCII words are not guessed at.
    assert spelling.correct(["graph", "grh", "düffusion"], frequencies=frequencies) is None
    assert spelling.correct(["Graph"], frequencies=frequencies) is None


def test_best_prefers_the_commonest_then_the_first_alphabetically():
    assert spelling.best({"b": 2, "a": 2, "c": 1}) == "a"
    assert spelling.best({"a": 0}) is None
