"""The community path in real Chromium: sign up, verify by mail, log in, upvote, comment,
reply and submit a paper."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from paperfeed.community.models import Comment, Upvote
from paperfeed.library.models import SavedPaper
from paperfeed.papers.models import Featured
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough pass phrase 42"


def test_sign_up_verify_log_in_upvote_comment_reply_submit(
    live_server, settings, smtp_server, run_tasks, page, screenshot
):
    settings.PAPERFEED_SITE_URL = settings.SITE_URL = live_server.url
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    cache.clear()
    paper = PaperFactory(arxiv_id="2611.00042", title="Verifiers all the way down")
    other = PaperFactory(arxiv_id="2611.00043", title="A paper worth sharing")
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)

    # Sign up.
    page.goto(live_server.url + "/accounts/signup")
    page.fill("#id_username", "ada")
    page.fill("#id_email", "ada@example.org")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    screenshot("community-1-signed-up")

    # Verify: follow the link in the mail the worker sent to the real SMTP server.
    run_tasks()
    [mail] = smtp_server.to("ada@example.org")
    link = re.search(r"https?://\S+", smtp_server.body(mail)).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_text("your email address is confirmed").wait_for()

    # Log in.
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")

    # Upvote without a reload: the script posts and updates the count in place.
    page.goto(f"{live_server.url}/papers/{paper.arxiv_id}")
    button = page.locator("form[data-upvote] button").first
    page.evaluate("window.marker = 'same page'")
    button.click()
    # expect() polls through Playwright's own protocol; wait_for_function(str) would need
    # eval, which the site's CSP rightly refuses.
    expect(page.locator("form[data-upvote] .upvote-count").first).to_have_text("1")
    assert page.evaluate("window.marker") == "same page"
    assert button.get_attribute("aria-pressed") == "true"
    assert Upvote.objects.filter(paper=paper, user__username="ada").count() == 1
    # Save to the library the same way (one in-place handler for both buttons).
    save = page.locator("form[data-save] button").first
    save.click()
    expect(page.locator("form[data-save] .save-label").first).to_have_text("Saved")
    assert page.evaluate("window.marker") == "same page"
    assert save.get_attribute("aria-pressed") == "true"
    assert SavedPaper.objects.filter(paper=paper, user__username="ada").count() == 1
    screenshot("community-2-upvoted")

    # Comment, then reply to it.
    page.fill("#comment-body", "Does the **verifier** generalise?")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".comment-body strong", has_text="verifier").wait_for()
    top = Comment.objects.get(paper=paper)
    page.locator(f"#comment-{top.pk} summary", has_text="Reply").click()
    page.locator(f"#comment-{top.pk} textarea[name=body]").fill("Answering myself: *yes*.")
    page.locator(f"#comment-{top.pk}").get_by_role("button", name="Post reply").click()
    page.locator(".comment.depth-1 em", has_text="yes").wait_for()
    assert Comment.objects.get(parent=top).body == "Answering myself: *yes*."
    screenshot("community-3-discussed")

    # Submit a paper to today's list.
    page.goto(live_server.url + "/submit")
    page.fill("#arxiv-id", f"https://arxiv.org/abs/{other.arxiv_id}v1")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{live_server.url}/papers/{other.arxiv_id}")
    assert Featured.objects.filter(paper=other, featured_by__username="ada").exists()
    screenshot("community-4-submitted")

    assert blocked == []
