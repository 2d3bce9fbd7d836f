"""The HTML digest in real Chromium (Debian's package, through Playwright), light and dark."""

from __future__ import annotations

import pytest

from paperfeed.digests import emails
from tests.browser.conftest import ARTIFACTS
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_digest_html_renders_in_chromium(catalogue, browser):
    subscriber = SubscriberFactory(content="both", paper_count=6, keywords=["graphs"])
    rendered = emails.DigestBuilder().render(subscriber=subscriber, period="daily:2026-11-27")
    assert rendered is not None
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 700, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        # No network: the mail must render from its own HTML and inline CSS.
        page.route("**/*", lambda route: route.abort())
        page.set_content(rendered.html)
        assert page.locator("h1").inner_text().startswith("Daily papers")
        titles = page.locator("a.pf-title").all_inner_texts()
        assert titles[0] == "A survey of graph neural networks"
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.pf-sheet')).backgroundColor"
        )
        expected = "rgb(31, 41, 55)" if scheme == "dark" else "rgb(255, 255, 255)"
        assert background == expected
        path = ARTIFACTS / f"digest-email-{scheme}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5000
        context.close()
