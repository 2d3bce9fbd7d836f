from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from paperfeed.trending.templatetags.trending_charts import (
    axis_ticks,
    history_chart,
    nice_top,
    sparkline,
)

START = datetime(2026, 2, 1, 12, tzinfo=UTC)


def series(*values: int, step: timedelta = timedelta(days=1)) -> list[tuple[datetime, int]]:
    return [(START + i * step, value) for i, value in enumerate(values)]


def labels(html: str, block: str) -> list[str]:
    inner = re.search(rf'<div class="{block}"[^>]*>(.*?)</div>', html).group(1)
    return re.findall(r"<span>([^<]*)</span>", inner)


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (6, 10), (38, 50), (101, 200), (4321, 5000)]
)
def test_nice_top(value, top):
    assert nice_top(value) == top


def test_the_axis_starts_at_zero_and_its_ticks_differ():
    assert axis_ticks([20, 38]) == (0, [0, 25, 50])
    assert axis_ticks([5, 5]) == (0, [0, 5])
    assert axis_ticks([0, 0]) == (0, [0, 1])
    for values in ([1, 1], [0, 3], [7, 7, 7], [100, 40_000]):
        _, ticks = axis_ticks(values)
        assert ticks[0] == 0 and len(set(ticks)) == len(ticks) and max(values) <= ticks[-1]


def test_a_change_axis_counts_from_the_lowest_value():
    assert axis_ticks([50_000, 50_020, 50_100], change=True) == (50_000, [0, 50, 100])
    # Unstarring dips below the first count: the axis still holds every point.
    base, ticks = axis_ticks([100, 90, 130], change=True)
    assert base == 90 and ticks[-1] >= 40


def test_history_chart_is_hidden_below_two_points():
    assert history_chart([], "Upvotes") == ""
    assert history_chart(series(7), "Upvotes") == ""


def test_history_chart_labels_an_honest_axis():
    html = str(history_chart(series(20, 29, 38), "Upvotes"))
    assert labels(html, "chart-y") == ["50", "25", "0"]
    assert labels(html, "chart-x") == ["01 Feb 2026", "03 Feb 2026"]
    # 20 of 50 is 40 % up from the bottom of a 100-unit box: y = 60, not the bottom edge.
    path = re.search(r'<path d="([^"]+)"', html).group(1)
    assert path.startswith("M0.00,60.00") and path.endswith("L100.00,24.00")
    assert "<figcaption>Upvotes</figcaption>" in html


def test_history_chart_of_stars_shows_the_change():
    html = str(history_chart(series(50_000, 50_100), "GitHub stars", change=True))
    assert labels(html, "chart-y") == ["+100", "+50", "+0"]
    assert "GitHub stars (gained above 50,000)" in html


def test_points_of_one_day_get_distinct_date_labels():
    html = str(history_chart(series(1, 4, step=timedelta(hours=3)), "Upvotes"))
    first, last = labels(html, "chart-x")
    assert first != last and first == "01 Feb 12:00"


def test_chart_text_from_the_data_is_escaped():
    html = str(history_chart(series(1, 2), "<b>label</b>"))
    assert "<b>" not in html and "&lt;b&gt;label&lt;/b&gt;" in html


def test_sparkline_has_its_values_in_the_title():
    html = str(sparkline(series(3, 9), "Upvotes"))
    assert html.startswith('<svg class="sparkline"')
    assert "<title>Upvotes: 3 on 01 Feb → 9 on 02 Feb</title>" in html
    assert sparkline(series(3), "Upvotes") == ""
