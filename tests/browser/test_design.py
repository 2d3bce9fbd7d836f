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

from tests.browser.conftest import ARTIFACTS, design_catalogue, save_screenshot

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (360, 390, 768, 1366)
THEMES = ("light", "dark")

# (name, path): {paper}, {week} and {preferences} are filled from the catalogue.
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
    ("digest-preferences", "/digest/preferences/{preferences}"),
    ("profile", "/accounts/u/ada"),
    ("api-docs", "/api/docs"),
    ("author", "/authors/{author}"),
    ("collection", "/collections/curator/{collection}"),
    ("member-collections", "/collections/curator"),
    ("not-found", "/no/such/page"),
]
MEMBER_PAGES = [
    ("paper-member", "/papers/{paper}"),
    ("submit", "/submit"),
    ("settings", "/accounts/settings"),
    ("curate", "/curate"),
    ("library", "/library"),
    ("library-tag", "/library?tag=to-read"),
    ("library-import", "/library/import"),
    ("collection-owner", "/collections/curator/{collection}"),
    ("for-you", "/papers/for-you"),
    ("for-you-hidden", "/papers/for-you/hidden"),
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


def _checked(page, errors, *, label: str, shot: Path, own_404: str = "") -> list[str]:
    """The page's problems, each headed by ``label``; a full-page screenshot saved at ``shot``
    (when screenshots are on)."""
    problems = _problems(page, errors, own_404=own_404)
    save_screenshot(page, shot)
    return [f"{label}: {p}" for p in problems]


def _open(browser, width: int, *, timeout: int = 15_000):
    """A page at ``width`` (a phone below 768 px) that collects console errors and uncaught
    exceptions as (text, url) pairs."""
    context = browser.new_context(
        viewport={"width": width, "height": 800}, is_mobile=width < 768, has_touch=width < 768
    )
    page = context.new_page()
    page.set_default_timeout(timeout)
    errors: list[tuple[str, str]] = []
    page.on(
        "console",
        lambda m: errors.append((m.text, m.location.get("url", ""))) if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: errors.append((str(exc), "")))
    return context, page, errors


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_at_every_width_in_both_themes(live_server, settings, browser, width):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    catalogue = design_catalogue()
    day = catalogue["day"]
    year, week, _ = day.isocalendar()
    names = {
        "paper": catalogue["paper"],
        "week": f"{year}-W{week:02d}",
        "preferences": catalogue["preferences"],
        "author": catalogue["author"],
        "collection": catalogue["collection"],
    }
    folder = ARTIFACTS / "design"
    folder.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for who, pages in (("anonymous", ANONYMOUS_PAGES), ("member", MEMBER_PAGES)):
        context, page, errors = _open(browser, width)
        if who == "member":
            context.add_cookies([_session_cookie(live_server.url, catalogue["curator"])])
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
                    failures += _checked(
                        page,
                        errors,
                        label=f"{name} ({width}px, {theme})",
                        shot=folder / f"{width}-{theme}-{name}.png",
                        own_404=url if expected == 404 else "",
                    )
        finally:
            context.close()
    assert not failures, "\n".join(failures)


REAL_ARCHIVES = (
    "data/hf_daily_papers/atharvadomale_hf_daily_2025-12-04_to_2026-08-22.tar.xz",
    "data/arxiv_daily_cs/daily_jsonl_2025-03-18_to_2026-07-01.tar.xz",
)


def test_real_papers_at_every_width_in_both_themes(live_server, settings, browser, shared_dir):
    """The same checks on real data from ../shared: the HF featured lists (real titles, TeX,
    long author lists, stand-in abstracts) and a slice of the arXiv listings, as a newcomer
    sees them after an import."""
    from paperfeed.ingest.sources import papers_import_files
    from paperfeed.papers.models import Featured
    from paperfeed.trending.scores import trending_scores_recompute

    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    paths = [shared_dir / name for name in REAL_ARCHIVES]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        pytest.skip(f"real archives missing from ../shared: {missing}")
    papers_import_files(paths=[str(paths[0])])
    papers_import_files(paths=[str(paths[1])], limit=3000)
    trending_scores_recompute()
    top = Featured.objects.order_by("-day", "-upvotes").select_related("paper").first()
    assert top is not None
    pages = [
        ("daily", "/"),
        ("new", "/papers/new"),
        ("search", "/search?q=diffusion+language+model"),
        ("trending", "/papers/trending"),
        ("paper", f"/papers/{top.paper.arxiv_id}"),
        ("weekly", f"/papers/week/{top.day.isocalendar()[0]}-W{top.day.isocalendar()[1]:02d}"),
    ]
    folder = ARTIFACTS / "design-real"
    folder.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for width in WIDTHS:
        context, page, errors = _open(browser, width, timeout=20_000)
        try:
            for name, path in pages:
                response = page.goto(live_server.url + path)
                assert response is not None and response.status == 200, (path, response)
                for theme in THEMES:
                    page.emulate_media(color_scheme=theme)
                    failures += _checked(
                        page,
                        errors,
                        label=f"{name} ({width}px, {theme})",
                        shot=folder / f"{width}-{theme}-{name}.png",
                    )
        finally:
            context.close()
    assert not failures, "\n".join(failures)


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


LIGHT_BG, DARK_BG = "rgb(255, 255, 255)", "rgb(17, 20, 24)"


def test_theme_follows_the_os_until_the_reader_chooses_and_remembers_it(live_server, browser):
    errors: list[str] = []
    for os_theme, other in (("light", "dark"), ("dark", "light")):
        context = browser.new_context(
            viewport={"width": 1024, "height": 700}, color_scheme=os_theme
        )
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            page.goto(live_server.url + "/accounts/login")
            assert _background(page) == (LIGHT_BG if os_theme == "light" else DARK_BG)
            toggle = page.locator(".theme-toggle")
            assert toggle.get_attribute("aria-label") == f"Switch to the {other} theme"
            toggle.click()
            assert page.evaluate("document.documentElement.dataset.theme") == other
            assert _background(page) == (LIGHT_BG if other == "light" else DARK_BG)
            # Another page, then a reload: the choice holds, set before the stylesheet applies.
            page.goto(live_server.url + "/papers/trending/about")
            assert _background(page) == (LIGHT_BG if other == "light" else DARK_BG)
            page.reload()
            assert page.evaluate("localStorage.getItem('paperfeed-theme')") == other
            assert _background(page) == (LIGHT_BG if other == "light" else DARK_BG)
            # No flash: theme.js is a blocking script in <head>, before the stylesheet.
            order = page.evaluate(
                """[...document.head.querySelectorAll('script[src], link[rel=stylesheet]')]
                   .map(e => e.tagName + (e.defer || e.async ? ':deferred' : '') + ' '
                        + (e.src || e.href).split('/').pop())"""
            )
            assert order.index("SCRIPT theme.js") < order.index("LINK site.css")
        finally:
            context.close()
    assert not errors


FOCUSED = """(() => {
  const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
  return {tag: e.tagName, text: (e.textContent || e.value || '').trim().slice(0, 30),
          outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
          shown: r.width > 0 && r.height > 0, own: e.matches(':focus')};
})()"""


def test_keyboard_slash_j_k_and_a_visible_focus_on_every_control(live_server, settings, browser):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    design_catalogue()
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "site-q"
        page.locator("h1").click()
        titles = page.locator(".paper-entry .entry-title a")
        page.keyboard.press("j")
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.textContent") == titles.nth(1).inner_text()
        assert "is-current" in (page.locator(".paper-entry").nth(1).get_attribute("class") or "")
        page.keyboard.press("k")
        assert page.evaluate("document.activeElement.textContent") == titles.nth(0).inner_text()
        # "j" typed into the search box is a letter, not a jump.
        page.focus("#site-q")
        page.keyboard.type("jk")
        assert page.input_value("#site-q") == "jk"

        # Tab through the page: every stop is on screen once focused, with a visible outline.
        page.goto(live_server.url + "/")
        seen = set()
        for _ in range(60):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused["tag"] == "BODY":
                break
            seen.add(focused["text"])
            if not focused["own"]:
                continue  # inside a control's built-in parts (a date field's calendar button)
            assert focused["shown"] and focused["outline"] != "none" and focused["width"] >= 2, (
                focused
            )
        assert {"Daily", "Trending", "New", "Sign in"} <= seen
    finally:
        context.close()


def test_phone_menu_and_form_errors_beside_their_fields(live_server, browser):
    (ARTIFACTS / "design").mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    errors: list[tuple[str, str]] = []
    page.on("console", lambda m: errors.append((m.text, "")) if m.type == "error" else None)
    try:
        page.goto(live_server.url + "/accounts/signup")
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] < 60  # one compact row
        search = page.locator("#site-q").bounding_box()
        assert search is not None and search["width"] >= 160
        nav = page.get_by_role("link", name="Trending", exact=True)
        assert not nav.is_visible()
        toggle = page.locator(".menu-toggle")
        toggle.click()
        assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        page.screenshot(path=str(ARTIFACTS / "design" / "360-menu-open.png"))
        page.keyboard.press("Escape")
        assert not nav.is_visible()

        page.fill("#id_username", "ada")
        page.fill("#id_email", "ada@example.org")
        page.fill("#id_password1", "short")
        page.fill("#id_password2", "different")
        page.get_by_role("button", name="Sign up").click()
        page.wait_for_load_state()
        field = page.locator(".field.has-error").first
        assert field.locator(".error").is_visible()
        label_box = field.locator("label").bounding_box()
        error_box = field.locator(".error").first.bounding_box()
        input_box = field.locator("input").bounding_box()
        assert label_box and error_box and input_box
        assert label_box["y"] < error_box["y"] < input_box["y"]
        assert _problems(page, errors) == []
        save_screenshot(page, ARTIFACTS / "design" / "360-sign-up-errors.png")
    finally:
        context.close()
