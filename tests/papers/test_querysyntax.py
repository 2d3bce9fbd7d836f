from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.papers import querysyntax


def test_parse_query_reads_the_syntax():
    parsed = querysyntax.parse_query(
        'diffusion "large language models" author:"Yann LeCun" cat:cs.cl year:2024-2025 sort:date'
    )
    assert parsed.terms == ["diffusion"]
    assert parsed.phrases == [["large", "language", "models"]]
    assert parsed.author_terms == [["Yann", "LeCun"]]
    assert parsed.categories == ["cs.CL"]
    assert parsed.years == (2024, 2025)
    assert parsed.sort == "date"
    assert parsed.message == ""


def test_parse_query_reads_categories_in_any_case():
    parsed = querysyntax.parse_query("cat:CS.cl,HEP-th category:physics.atom-ph cat:cs..CL")
    assert parsed.categories == ["cs.CL", "hep-th", "physics.atom-ph"]
    assert "not an arXiv category" in parsed.message


def test_parse_query_explains_what_it_ignored():
    parsed = querysyntax.parse_query("cat:<script> year:abc " + "w " * 600)
    assert parsed.categories == []
    assert parsed.years is None
    assert "cut" in parsed.message
    assert "not an arXiv category" in parsed.message


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_parse_query_never_raises(text):
    parsed = querysyntax.parse_query(text)
    assert len(parsed.terms) <= querysyntax.MAX_TERMS
    assert all(term for term in parsed.terms)


def test_highlight_escapes_and_marks():
    html = querysyntax.highlight("<b>Transformers</b> & transformer models", ["transformer"])
    assert html == (
        "&lt;b&gt;<mark>Transformers</mark>&lt;/b&gt; &amp; <mark>transformer</mark> models"
    )
    assert querysyntax.highlight("<i>x</i>", []) == "&lt;i&gt;x&lt;/i&gt;"


def test_highlights_typeset_maths_as_every_page_does_and_mark_words_outside_it():
    from paperfeed.papers.querysyntax import highlight

    shown = highlight("Scaling $O(n^2)$ attention", ["attention", "o"])
    assert '<span class="math"><i>O</i>(<i>n</i><sup>2</sup>)</span>' in shown
    assert "<mark>attention</mark>" in shown and "$" not in shown
    assert highlight("<b>$x$</b>", []) == '&lt;b&gt;<span class="math"><i>x</i></span>&lt;/b&gt;'


def test_a_snippet_never_starts_or_stops_inside_a_formula():
    from paperfeed.papers.querysyntax import snippet

    text = "We study $x^2 + y_i$ and more. " * 30
    for size in range(20, 120, 7):
        for word in ("more", "study", "tail"):
            shown = snippet(text + "tail", [word], size=size)
            assert "$" not in shown, (size, word, shown)


HOSTILE_TITLES = (
    '<script>alert(1)</script> & "quotes" <img src=x onerror=alert(1)>',
    "</mark><mark>fake</mark> &amp; &lt;b&gt; entities",
    "Regex (.*) [a-z]+ \\d{2} $x<y$ ` `` '' text",
)
HOSTILE_WORDS = (
    ["script", "alert", "img", "onerror"],
    ["amp", "lt", "gt", "quot", "mark"],
    [".*", "(", "[a-z]+", "\\d", "$x", "<y", "`"],
    ["<script>", '"', "&"],
)


@given(st.sampled_from(HOSTILE_TITLES), st.sampled_from(HOSTILE_WORDS))
@settings(max_examples=40, deadline=None)
def test_highlighting_a_hostile_title_or_query_writes_no_markup(title, words):
    for shown in (querysyntax.highlight(title, words), querysyntax.snippet(title, words)):
        # Every "<" written is one of ours: a mark, maths' span or its italics and scripts.
        tags = re.findall(r"</?([a-z]+)", shown)
        assert set(tags) <= {"mark", "span", "i", "sup", "sub", "b"}, shown
        assert "<script" not in shown and "<img" not in shown and "</mark><mark>fake" not in shown
        # A word never marks inside an entity the escaping wrote ("&amp;" stays whole).
        assert "&<mark>" not in shown
        assert re.sub(r"</?mark>", "", shown) == querysyntax.highlight(title, [])


def test_highlighting_marks_the_words_of_a_hostile_title_outside_its_markup():
    shown = querysyntax.highlight(HOSTILE_TITLES[0], ["script", "alert"])
    assert shown.startswith("&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)&lt;/<mark>script")
    assert "&amp; &quot;quotes&quot;" in shown


@given(st.text(max_size=120), st.lists(st.text(max_size=12), max_size=4))
@settings(max_examples=200, deadline=None)
def test_highlighting_any_text_with_any_words_only_adds_marks(text, words):
    shown = querysyntax.highlight(text, words)
    assert re.sub(r"</?mark>", "", shown) == querysyntax.highlight(text, [])


def test_the_criteria_are_every_part_of_the_query_a_paper_must_match():
    import dataclasses

    parsed = querysyntax.parse_query('graph "neural network" author:hinton cat:cs.LG year:2020')
    assert parsed.criteria == {
        "terms": ["graph"],
        "phrases": [["neural", "network"]],
        "author_terms": [["hinton"]],
        "categories": ["cs.LG"],
        "years": (2020, 2020),
    }
    # A new field of the parsed query is either a criterion or deliberately left out.
    fields = {f.name for f in dataclasses.fields(querysyntax.ParsedQuery)}
    assert fields - set(parsed.criteria) == {"sort", "message"}


def _two_scan_snippet(text: str, pattern: re.Pattern[str] | None, size: int = 320) -> str:
    """The snippet as it was written before S77: the first match found in the whole text, then
    the window cut out and highlighted as a text of its own (scanned again from its start)."""
    from paperfeed.papers import tex

    start = 0
    if pattern is not None:
        match = pattern.search(text)
        if match and match.start() > size // 3:
            start = tex.math_cut(text, text.rfind(" ", 0, match.start() - size // 4) + 1)
    end = tex.math_cut(text, start + size)
    piece = text[start:end]
    if end < len(text):
        cut = tex.math_cut(piece, piece.rfind(" "))
        piece = (piece[:cut] if cut > size // 2 else piece) + " …"
    return ("… " if start else "") + querysyntax.highlight_with(piece, pattern)


_SNIPPET_WORDS = ["model", "mod", "Attention", "ünïcode", "a.b", "x+y", "we'd", "z"]
_SNIPPET_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                *_SNIPPET_WORDS,
                "models",
                "remodel",
                "ATTENTIONS",
                "Ünïcodes",
                "&",
                "<b>",
                '"q"',
                "it's",
                "$x^2$",
                "``quoted''",
                "—",
                "\t",
                "longwordwithoutanyspace" * 8,
            ]
        ),
        st.text(alphabet="abcdemoltz .,'&<", max_size=12),
    ),
    max_size=160,
).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(
    text=_SNIPPET_TEXT,
    words=st.lists(st.sampled_from(_SNIPPET_WORDS), max_size=4),
    size=st.sampled_from([20, 64, 320]),
)
def test_a_snippet_is_marked_in_one_pass_as_the_window_scanned_again_was(text, words, size):
    """The snippet's marks come from one scan of the text (from its first match to the window's
    end), and they are the ones the window cut out and scanned again from its start gave: the
    same HTML for words anywhere, windows at any offset, cuts inside long words, text with and
    without characters to escape, maths and TeX quotes."""
    pattern = querysyntax.highlight_pattern(words)
    # As drawn, and without maths and TeX quotes (the one-scan path: most abstracts).
    for shown in (text, text.replace("$", "").replace("`", "")):
        assert querysyntax.snippet_with(shown, pattern, size=size) == _two_scan_snippet(
            shown, pattern, size
        )


def test_a_snippet_far_into_an_abstract_marks_only_its_window():
    text = "Intro words here. " * 40 + "We train a model of attention & more. " + "Tail. " * 80
    pattern = querysyntax.highlight_pattern(["model", "attention"])
    out = querysyntax.snippet_with(text, pattern)
    assert out.startswith("… ") and out.endswith(" …")
    assert out.count("<mark>") == 2 and "<mark>model</mark> of <mark>attention</mark> &amp;" in out
