"""TeX in titles and abstracts (paperfeed.papers.tex), as the pages show it."""

# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from paperfeed.papers.tex import render


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$O(n^2)$", '<span class="math"><i>O</i>(<i>n</i><sup>2</sup>)</span>'),
        ("$\\alpha$-divergence", '<span class="math">α</span>-divergence'),
        ("$\\mathbb{R}^d$", '<span class="math">ℝ<sup><i>d</i></sup></span>'),
        ("$x_{t+1}$", '<span class="math"><i>x</i><sub><i>t</i>+1</sub></span>'),
        ("$\\text{softmax}$", '<span class="math">softmax</span>'),
        ("costs $5 and $10", "costs $5 and $10"),
        ("no maths", "no maths"),
        ("$x^{$", '<span class="math">x^{</span>'),
        ("$\\unknown{a}$", '<span class="math">\\unknown<i>a</i></span>'),
    ],
)
def test_render(source, expected):
    assert render(source) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "$<script>alert(1)</script>$",
        "$\\text{<img src=x onerror=alert(1)>}$",
        "$\\mathbb{<b>}$",
        "$" + "{" * 500 + "$",
        "$" + "^" * 200 + "$",
    ],
)
def test_markup_stays_text(hostile):
    html = render(hostile)
    assert "<script" not in html and "<img" not in html and "<b>" not in html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("``attention''", "“attention”"),
        ("the `soft' part", "the ‘soft’ part"),
        ("``a'' and ``b''", "“a” and “b”"),
        # A quote may hold maths; the primes inside maths stay primes.
        (
            "``$x$ is $f''$''",
            '“<span class="math"><i>x</i></span> is '
            '<span class="math"><i>f</i>&#x27;&#x27;</span>”',
        ),
        ("``unclosed", "“unclosed"),
        ("it's, a lone '' stays", "it&#x27;s, a lone &#x27;&#x27; stays"),
        ("\\`e and \\``x''", "\\`e and \\``x&#x27;&#x27;"),
    ],
)
def test_tex_quotes_become_real_quotes(source, expected):
    assert render(source) == expected
