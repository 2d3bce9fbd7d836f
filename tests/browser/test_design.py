"""Every page type in real Chromium at four widths and in both themes.

A page fails on: a page wider than the viewport, two text boxes drawn over each other, a form
control left with the browser's default look, a broken image, or any console error (which
includes a refused Content-Security-Policy and a 404 for a resource). Screenshots of every page
go to test-artifacts/design/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.browser.conftest import ARTIFACTS, design_catalogue

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (360, 390, 768, 1366)
THEMES = ("light", "dark")

# (name, path): {day} and {week} are filled from the catalogue.
ANONYMOUS_PAGES = [
    ("daily", "/"),
    ("weekly", "/papers/week/{week}"),
    ("new", "/papers/new"),
    ("search", "/search?q=attention"),
    ("trending", "/papers/trending"),
    ("trending-about", "/papers/trending/about"),
    ("paper", "/papers/{paper}"),
    ("sign-in", "/accounts/login"),
    ("sign-up", "/accounts/signup"),
    ("subscribe", "/digest/subscribe"),
    ("profile", "/accounts/u/ada"),
    ("api-docs", "/api/docs"),
    ("not-found", "/no/such/page"),
]
MEMBER_PAGES = [
    ("paper-member", "/papers/{paper}"),
    ("submit", "/submit"),
    ("settings", "/accounts/settings"),
    ("curate", "/curate"),
]

# Run in the page; returns a list of problems, each a short sentence.
CHECKS = (Path(__file__).parent / "design_checks.js").read_text()


def _session_cookie(live_server_url: str, user) -> dict[str, object]:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}


def _problems(page, errors: list[tuple[str, str]], *, own_404: str = "") -> list[str]:
    problems = list(page.evaluate(CHECKS))
    # Chromium reports a page's own 404 status as a console error: expected on the 404 page.
    problems += [f"console: {text} ({where})" for text, where in errors if where != own_404]
    errors.clear()
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_at_every_width_in_both_themes(live_server, settings, browser, width):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    catalogue = design_catalogue()
    day = catalogue["day"]
    year, week, _ = day.isocalendar()
    names = {"paper": catalogue["paper"], "week": f"{year}-W{week:02d}"}
    folder = ARTIFACTS / "design"
    folder.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for who, pages in (("anonymous", ANONYMOUS_PAGES), ("member", MEMBER_PAGES)):
        context = browser.new_context(
            viewport={"width": width, "height": 800}, is_mobile=width < 768, has_touch=width < 768
        )
        if who == "member":
            context.add_cookies([_session_cookie(live_server.url, catalogue["curator"])])
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[tuple[str, str]] = []
        page.on(
            "console",
            lambda m, e=errors: (
                e.append((m.text, m.location.get("url", ""))) if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda exc, e=errors: e.append((str(exc), "")))
        try:
            for name, path in pages:
                url = live_server.url + path.format(**names)
                expected = 404 if name == "not-found" else 200
                for theme in THEMES:
                    # The OS setting: layout is the same, colours and controls must hold in both.
                    page.emulate_media(color_scheme=theme)
                    if theme == THEMES[0]:
                        response = page.goto(url)
                        assert response is not None and response.status == expected, (url, response)
                        if name == "api-docs":
                            page.locator(".swagger-ui .info").wait_for()
                    problems = _problems(page, errors, own_404=url if expected == 404 else "")
                    failures += [f"{name} ({width}px, {theme}): {p}" for p in problems]
                    page.screenshot(
                        path=str(folder / f"{width}-{theme}-{name}.png"), full_page=True
                    )
        finally:
            context.close()
    assert not failures, "\n".join(failures)
