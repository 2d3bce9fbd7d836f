"""Papers at a glance on every surface: the card, the paper page, the API, the Markdown view,
the digest (summary, keywords, and keywords as topic filters)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from paperfeed.digests.emails import DigestBuilder
from paperfeed.papers.glance.models import PaperGlance
from paperfeed.papers.glance.services import glances_build
from tests.factories import SubscriberFactory, catalogue_paper

pytestmark = pytest.mark.django_db

ABSTRACT = (
    "Serving speech models is costly. We propose SparseRoute, a sparse mixture-of-experts "
    "router for speech recognition. Sparse routing halves the inference cost on LibriSpeech."
)


@pytest.fixture
def paper():
    today = timezone.localdate()
    paper = catalogue_paper(
        "2601.00042",
        title="Sparse Routing for Efficient Speech Recognition",
        abstract=ABSTRACT,
        featured_on=today,
        featured_upvotes=5,
    )
    glances_build()
    return paper


def test_cards_show_the_labelled_summary_and_keyword_chips_linking_to_a_search(client, paper):
    glance = PaperGlance.objects.get(paper=paper)
    page = client.get("/papers").content.decode()
    assert 'class="summary-label"' in page and "From the abstract" in page
    assert "We propose SparseRoute" in page
    first = glance.keywords[0]
    assert f'class="keyword" href="/search?q=%22{first.replace(" ", "%20")}%22"' in page
    detail = client.get(f"/papers/{paper.arxiv_id}").content.decode()
    assert "From the abstract" in detail and first in detail


def test_an_ai_sentence_is_labelled_as_ai_written(client, paper):
    glance = PaperGlance.objects.get(paper=paper)
    PaperGlance.objects.filter(pk=glance.pk).update(
        ai_summary="A router halves speech serving costs.",
        ai_text_key=glance.text_key,
        ai_state="done",
    )
    page = client.get("/papers").content.decode()
    assert "AI summary" in page and "A router halves speech serving costs." in page
    data = client.get(f"/api/papers/{paper.arxiv_id}").json()
    assert data["paperfeed_summary_source"] == "ai"
    text = client.get(f"/papers/{paper.arxiv_id}.md").content.decode()
    assert "**AI-written summary:** A router halves speech serving costs." in text


def test_api_and_markdown_carry_keywords_and_summary(client, paper):
    glance = PaperGlance.objects.get(paper=paper)
    data = client.get(f"/api/papers/{paper.arxiv_id}").json()
    assert data["paperfeed_keywords"] == glance.keywords
    assert data["paperfeed_summary"].startswith("We propose SparseRoute")
    assert data["paperfeed_summary_source"] == "abstract"
    daily = client.get("/api/daily_papers").json()
    assert daily[0]["paper"]["paperfeed_keywords"] == glance.keywords
    text = client.get(f"/papers/{paper.arxiv_id}.md").content.decode()
    assert f"**Keywords:** {', '.join(glance.keywords)}" in text
    assert "**Summary (from the abstract):** We propose SparseRoute" in text


def test_a_paper_without_a_glance_has_empty_fields(client):
    catalogue_paper("2601.00043", title="Untouched", abstract="Nothing computed yet here.")
    data = client.get("/api/papers/2601.00043").json()
    assert data["paperfeed_keywords"] == []
    assert "paperfeed_summary" not in data or data["paperfeed_summary"] is None


def test_the_digest_shows_the_summary_and_matches_topics_on_keywords(paper):
    glance = PaperGlance.objects.get(paper=paper)
    today: date = timezone.localdate()
    # A keyword the abstract does not spell the same way still matches through the chips.
    PaperGlance.objects.filter(pk=glance.pk).update(keywords=["conditional computation"])
    other = catalogue_paper(
        "2601.00044",
        title="Graph networks",
        abstract="We study graphs.",
        featured_on=today,
        featured_upvotes=50,
    )
    assert other
    subscriber = SubscriberFactory(
        content="featured", paper_count=1, keywords=["conditional computation"]
    )
    rendered = DigestBuilder().render(subscriber=subscriber, period=f"daily:{today}")
    assert rendered is not None
    assert "Sparse Routing for Efficient Speech Recognition" in rendered.text
    assert "From the abstract: We propose SparseRoute" in rendered.text
    assert "Keywords: conditional computation" in rendered.text
    assert "From the abstract:" in rendered.html


def test_llms_txt_describes_site_api_feeds_markdown_and_mcp(client):
    response = client.get("/llms.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    text = response.content.decode()
    assert text.startswith("# paperfeed\n\n> ")
    for part in ("/mcp", "/api/openapi.json", "/feeds/daily.rss", ".md", "## Optional"):
        assert part in text
