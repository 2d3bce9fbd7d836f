"""Author and category fields beside the text (papers/similar/fields.py). No database."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.papers.similar import fields, neighbours


def test_token_matrix_rows_are_unit_idf_weighted_and_count_a_token_once():
    matrix = fields.token_matrix(
        [["ada lovelace", "ada lovelace", "alan turing"], ["alan turing"], []]
    )
    dense = matrix.toarray()
    assert np.allclose(np.linalg.norm(dense, axis=1), [1.0, 1.0, 0.0])
    lovelace, turing = dense[0][dense[0] > 0]
    # The rarer name weighs more; the repeated one is not counted twice.
    assert lovelace > turing
    assert dense[1] @ dense[0] == pytest.approx(turing)


def test_min_df_drops_tokens_of_one_paper_before_normalising():
    matrix = fields.token_matrix([["a", "solo"], ["a"]], min_df=2).toarray()
    assert matrix[0] @ matrix[1] == pytest.approx(1.0)


def test_weights_must_leave_the_text_a_share():
    assert fields.Weights(authors=0.2, categories=0.1).text == pytest.approx(0.7)
    with pytest.raises(ValueError):
        fields.Weights(authors=0.6, categories=0.4)
    with pytest.raises(ValueError):
        fields.Weights(authors=-0.1)


def _score(dense, names, i, j):
    value = float(dense[i] @ dense[j])
    if names is not None:
        value += float((names[i] @ names[j].T).toarray()[0, 0])
    return value


def test_neighbour_space_gives_the_weighted_sum_of_cosines():
    text = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
    authors = [["ada"], ["ada", "alan"], ["grace"]]
    categories = [["cs.CL"], ["cs.CV"], ["cs.CL"]]
    weights = fields.Weights(authors=0.3, categories=0.2)
    dense, names = fields.neighbour_space(text, authors, categories, weights)
    cos_names = fields.token_matrix(authors).toarray()
    cos_cats = fields.token_matrix(categories).toarray()
    for i in range(3):
        for j in range(3):
            expected = (
                0.5 * float(text[i] @ text[j])
                + 0.3 * float(cos_names[i] @ cos_names[j])
                + 0.2 * float(cos_cats[i] @ cos_cats[j])
            )
            assert _score(dense, names, i, j) == pytest.approx(expected, abs=1e-6)


def test_a_shared_author_outranks_a_slightly_closer_text():
    """The rule of issue 17: without the author field, paper 0's nearest is paper 1 (closer
    text); with it, paper 2 (same author, text a little further). Dropping the author tokens
    makes this fail."""
    text = np.array([[1.0, 0.0], [0.99, 0.141], [0.97, 0.243]], dtype=np.float32)
    authors = [["ada lovelace"], ["alan turing"], ["ada lovelace"]]
    categories = [["cs.LG"], ["cs.LG"], ["cs.LG"]]
    plain, _ = fields.neighbour_space(text, authors, categories, fields.Weights())
    assert neighbours.top_k(plain, plain, 1, self_offset=0)[0][0, 0] == 1
    dense, names = fields.neighbour_space(text, authors, categories, fields.Weights(authors=0.1))
    assert names is not None
    idx, _ = neighbours.top_k(dense, dense, 1, self_offset=0, extra=(names, names))
    assert idx[0, 0] == 2
