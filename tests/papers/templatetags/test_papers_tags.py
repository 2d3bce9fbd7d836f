from __future__ import annotations

import pytest

from paperfeed.papers.templatetags.papers_tags import short_count


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
