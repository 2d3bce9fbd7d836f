"""The reading site in a real browser: days, weeks, months, a paper, search, phone width."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    catalogue_paper(
        "2602.00301",
        title="Scaling $O(n^2)$ attention with sparse transformers",
        abstract="We present a long study. " * 30 + "The end of the abstract.",
        authors=("Ada Lovelace", "Alan Turing"),
        featured_on=date(2026, 2, 3),
        featured_upvotes=9,
        code_url="https://github.com/example/sparse",
        code_stars=42,
    )
    catalogue_paper(
        "2602.00302",
        title="An earlier featured paper",
        featured_on=date(2026, 1, 27),
        featured_upvotes=2,
    )
    return live_server.url


def test_days_weeks_months_paper_and_abstract(site, page, screenshot):
    page.goto(site + "/")
    # The home page is the latest featured day.
    assert page.title() == "Tuesday, 3 February 2026 · Daily papers · paperfeed"
    page.get_by_role("heading", name="Scaling").first.wait_for()
    screenshot("daily")

    # Expand the abstract without leaving the list.
    entry = page.locator("details.entry-abstract").first
    assert not page.get_by_text("The end of the abstract.").is_visible()
    entry.locator("summary").click()
    assert page.get_by_text("The end of the abstract.").is_visible()

    # Previous day with papers, then weekly and monthly views.
    page.get_by_role("link", name="Previous day").click()
    page.wait_for_url("**/papers/date/2026-01-27")
    assert page.get_by_text("An earlier featured paper").is_visible()
    page.get_by_role("link", name="Weekly").click()
    page.wait_for_url("**/papers/week/2026-W05")
    page.get_by_role("link", name="Next week").click()
    page.wait_for_url("**/papers/week/2026-W06")
    assert page.get_by_text("Scaling").first.is_visible()
    page.get_by_role("link", name="Monthly").click()
    page.wait_for_url("**/papers/month/2026-02")
    screenshot("monthly")

    # The date picker.
    page.fill("#pick-date", "2026-01-27")
    page.get_by_role("button", name="Go").click()
    page.wait_for_url("**/papers/date/2026-01-27")

    # Open a paper; keyboard focus reaches its links.
    page.goto(site + "/papers/2602.00301v1")
    page.wait_for_url("**/papers/2602.00301")
    assert page.locator("h1 .math sup").inner_text() == "2"
    assert "@misc{" in page.locator("#bibtex").input_value()
    assert page.get_by_role("button", name="Copy BibTeX").is_visible()
    screenshot("paper")


def test_search(site, page, screenshot):
    page.goto(site + "/")
    page.fill("#site-q", "sparse transformers")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=sparse+transformers")
    assert page.locator("mark").first.inner_text().lower() == "sparse"
    assert page.get_by_text("1 result").is_visible()
    page.goto(site + "/search?q=NEAR(%22 AND OR -^*")
    assert page.locator("h1").inner_text() == "Search"
    page.goto(site + "/search?q=author%3Aturing")
    assert page.get_by_text("Scaling").first.is_visible()
    screenshot("search")


def test_phone_width_has_no_sideways_scroll(site, browser):
    from tests.browser.conftest import ARTIFACTS, save_screenshot

    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        for path in ("/", "/papers/2602.00301", "/search?q=attention", "/papers/new"):
            page.goto(site + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (path, width)
            name = path.strip("/").replace("/", "-").split("?")[0] or "daily"
            save_screenshot(page, ARTIFACTS / f"phone-{name}.png")
    finally:
        context.close()
