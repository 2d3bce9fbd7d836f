"""Template filters of the reading site (paperfeed/papers/templatetags/papers_tags.py)."""

from __future__ import annotations

import html
import re

import pytest
from django.utils.text import slugify
from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.templatetags import papers_tags
from paperfeed.papers.templatetags.papers_tags import (
    abstract_preview,
    authors_short,
    byline,
    initials,
    short_count,
)


@pytest.mark.parametrize(
    ("stars", "shown"),
    [
        (None, "0"),
        (0, "0"),
        (999, "999"),
        (1000, "1k"),
        (1049, "1k"),
        (1250, "1.2k"),
        (9949, "9.9k"),
        (9950, "10k"),
        (12_345, "12k"),
        (999_499, "999k"),
        (999_600, "1M"),
        (1_500_000, "1.5M"),
        (25_000_000, "25M"),
    ],
)
def test_short_count_reads_like_a_star_badge(stars, shown):
    assert short_count(stars) == shown


def test_byline_marks_verified_authors_and_escapes_names():
    names = ["Ada <Lovelace>", "Alan Turing", "C", "D", "E", "F", "G"]
    row = PaperRow(paper=Paper(pk=7), authors=names)
    assert byline(row, None) == "Ada &lt;Lovelace&gt;, Alan Turing, C, D, E et al. (+2)"
    assert byline(row, None).replace("&lt;", "<").replace("&gt;", ">") == authors_short(names)
    marked = byline(row, {7: {"Alan Turing", "G"}, 8: {"C"}})
    assert marked.startswith(
        'Ada &lt;Lovelace&gt;, Alan Turing<span class="verified-badge" title="Verified author">'
    )
    assert marked.count("verified-badge") == 1  # G is not shown; C is on another paper


def test_abstract_preview_never_stops_inside_a_formula():
    words = "word " * 50
    inside = abstract_preview("word " * 52 + "we bound $x^2 + y_i + z$ and more " * 5)
    assert inside.endswith(" …") and inside.count("$") % 2 == 0
    assert inside.endswith("word we bound …")
    display = abstract_preview(words + "then $$a + b$$ and $$c + d + e + f$$ more " * 6)
    assert len(re.findall(r"\$\$", display)) % 2 == 0 and display.endswith("$$ and …")
    # An escaped dollar is a price, not maths: the cut stays where it was.
    price = abstract_preview(words + "it costs \\$5 " * 20)
    assert len(price) > 200


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Attention Is All You Need", "AA"),
        ("A Study of $\\alpha$-Divergence", "SD"),
        ("The", "T"),
        ("$x^2$ 123", ""),
        ("élan vital", "ÉV"),
    ],
)
def test_initials_for_the_thumbnail_placeholder(title, expected):
    assert initials(title) == expected


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["of", "The", "is", "AN", "$x$", "$a$ b$", "12", "ß", "élan", "_x"]),
            st.text(max_size=8),
        ),
        max_size=12,
    ).map(" ".join)
)
@settings(max_examples=300, deadline=None)
def test_initials_stop_at_the_second_main_word_with_the_same_letters(title):
    """Reading a title only up to its second main word gives the letters that every word of
    it, maths taken out, gave."""
    from paperfeed.papers import tex

    words = re.findall(r"[^\W\d_]+", tex.MATH_SPAN.sub(" ", title))
    main = [w for w in words if w.lower() not in papers_tags._MINOR_WORDS] or words
    assert initials(title) == "".join(w[0].upper() for w in main[:2])


@pytest.mark.parametrize(
    "name",
    [
        *("Yann LeCun", "Ødegård, Ñuñez", "李 小龙", "-_x_-", "a--b  c", "José María\u0301"),
        *("ǅ", "ﬁne", "x" * 100, "İstanbul", "_lead_", "ß", "", "  ", "O'Brien (Jr.)"),
        "Anne-Marie\tvan der Berg",
    ],
)
def test_author_slug_is_djangos_slugify_cut_at_60(name):
    assert papers_tags._slug(name) == slugify(name)[:60]


def test_the_slug_cache_stays_within_its_bound_however_many_names_a_worker_sees():
    """A worker at a million papers meets new author names all day: the kept slugs stop at
    SLUG_CACHE entries, and a name pushed out is worked out again the same."""
    papers_tags._slug.cache_clear()
    names = [f"Author Number{n} Ünïcode" for n in range(papers_tags.SLUG_CACHE + 500)]
    first = papers_tags._slug(names[0])
    for name in names:
        papers_tags._slug(name)
    assert papers_tags._slug.cache_info().currsize == papers_tags.SLUG_CACHE
    assert papers_tags._slug(names[0]) == first == "author-number0-unicode"


@pytest.mark.parametrize(
    "name", ["Ada Lovelace", 'O\'Brien <&> "Q"', "Kurt Gödel", "李 小龍", "a\tb--c__", "'&'"]
)
def test_byline_links_escape_the_base_and_leave_the_id_and_slug_as_they_are(name):
    """The byline escapes the author pages' base once: the id and slug after it are ASCII
    word characters and hyphens, the same escaped or not."""
    row = PaperRow(paper=Paper(pk=7), authors=[name], author_ids=[42])
    slug_path = papers_tags._author_path("", 42, name)
    assert html.escape(slug_path) == slug_path
    linked = byline(row, None, author_base="/who&what/")
    assert linked == f'<a href="/who&amp;what/{slug_path}">{html.escape(name)}</a>'
    assert html.escape(initials(name)) == initials(name)  # letters only, as the placeholder shows
