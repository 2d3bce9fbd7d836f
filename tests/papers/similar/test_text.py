"""Text preparation for the engines (papers/similar/text.py). No database."""

from __future__ import annotations

import numpy as np

from paperfeed.papers.similar import text, tfidf


def test_formula_only_abstract_keeps_the_title_and_is_usable_through_it():
    doc = text.document("Bounds for sparse recovery", "$\\sum_{i=1}^n x_i^2 \\le \\epsilon$")
    assert "sum" not in doc and "Bounds for sparse recovery" in doc
    assert text.is_usable(doc)


def test_text_of_only_formulas_is_not_usable():
    assert not text.is_usable(text.document("$O(n)$", "$$a^2+b^2=c^2$$"))
    assert not text.is_usable(text.document("", ""))


def test_non_english_text_is_usable_and_placed():
    doc = text.document("Нейронные сети для перевода", "深度学习 模型 用于 机器 翻译")
    assert text.is_usable(doc)
    projection, vectors = tfidf.fit([doc, doc + " сети", "other words here entirely"])
    assert np.isfinite(vectors).all()
    assert projection.transform(["Нейронные сети"]).any()
