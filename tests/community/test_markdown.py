"""Comment Markdown (paperfeed/community/markdown.py): links, maths, images, sanitising."""

# ruff: noqa: RUF001

from __future__ import annotations

import re

import pytest

from paperfeed.community.markdown import render

REL = 'rel="nofollow ugc noopener noreferrer"'


def test_bare_urls_become_links_without_the_sentence_punctuation():
    html = render("See https://arxiv.org/abs/2401.00001. Or (https://en.wikipedia.org/wiki/A_(b)).")
    assert (
        f'<a href="https://arxiv.org/abs/2401.00001" {REL}>https://arxiv.org/abs/2401.00001</a>.'
        in html
    )
    assert f'(<a href="https://en.wikipedia.org/wiki/A_(b)" {REL}>' in html and "</a>).</p>" in html


def test_urls_in_links_and_code_are_left_alone():
    html = render("[the paper https://a.example](https://b.example) and `https://c.example`")
    assert html.count("<a ") == 1 and "<code>https://c.example</code>" in html


def test_maths_renders_as_in_abstracts_and_keeps_its_backslashes():
    html = render("Take $\\mathbb{R}^d$ and $$\\alpha_i * \\beta_j$$, with *emphasis*.")
    assert '<span class="math">ℝ<sup><i>d</i></sup></span>' in html
    assert '<span class="math">α<sub><i>i</i></sub> * β<sub><i>j</i></sub></span>' in html
    assert "<em>emphasis</em>" in html


def test_dollars_that_are_not_maths_stay_text():
    assert render("costs $5 and $10").strip() == "<p>costs $5 and $10</p>"
    assert render("an escaped \\$x$").strip() == "<p>an escaped $x$</p>"
    assert render("code `$x_1$`").strip() == "<p>code <code>$x_1$</code></p>"


def test_images_become_links_never_img():
    html = render("![a cat](https://evil.example/cat.png) ![](https://evil.example/x.png)")
    assert "<img" not in html
    assert f'<a href="https://evil.example/cat.png" {REL}>a cat</a>' in html
    assert f'<a href="https://evil.example/x.png" {REL}>https://evil.example/x.png</a>' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "![x](javascript:alert(1))",
        "javascript://example.com/%0aalert(1)",
        "$\\text{<img src=x onerror=alert(1)>}$",
        '<span class="math" onclick="alert(1)">x</span>',
    ],
)
def test_no_script_can_run(hostile):
    html = render(hostile)
    assert (
        "<script" not in html
        and "<img" not in html
        and "<span class" not in html.replace('<span class="math">', "")
    )
    assert 'href="javascript' not in html
    assert not re.search(r"<[^>]*\son\w+=", html)  # no event handler in any tag
