"""Similar papers and search by meaning as the pages and the API show them, after a real build."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from paperfeed.papers import search_selectors
from paperfeed.papers.models import Paper
from paperfeed.papers.similar import services
from tests.factories import catalogue_paper
from tests.papers.similar.conftest import make_catalogue, neighbour_ids

pytestmark = pytest.mark.django_db


def test_paper_page_and_api_show_similar_papers(settings):
    settings.PAPERFEED_SIMILAR_K = 5
    made = make_catalogue()
    services.similar_build(full=True)
    paper = made["robots"][0]
    page = Client().get(f"/papers/{paper.arxiv_id}")
    assert page.status_code == 200
    html = page.content.decode()
    section = html[html.index('id="similar"') :]
    assert "Robots study" in section[:3000] and "Vision study" not in section[:3000]
    api = Client().get(f"/api/papers/{paper.arxiv_id}/similar?limit=3")
    assert api.status_code == 200
    ids = [hit["paper"]["id"] if "paper" in hit else hit["id"] for hit in api.json()]
    robots = {p.arxiv_id for p in made["robots"]}
    assert len(ids) == 3 and set(ids) <= robots


def test_hidden_neighbours_are_not_shown(settings):
    made = make_catalogue()
    services.similar_build(full=True)
    paper = made["vision"][0]
    first = Paper.objects.get(pk=neighbour_ids(paper)[0])
    Paper.objects.filter(pk=first.pk).update(hidden=True)
    html = Client().get(f"/papers/{paper.arxiv_id}").content.decode()
    assert first.title not in html


def test_page_before_any_build_says_so():
    paper = catalogue_paper("2601.00001", title="Graph neural networks for molecules")
    html = Client().get(f"/papers/{paper.arxiv_id}").content.decode()
    assert "once the index has been built" in html


def search(query: str, **params: str):
    return Client().get("/search", {"q": query, **params})


def listed(html: str) -> list[str]:
    import re

    return re.findall(r'<a href="/papers/(\d{4}\.\d{5})"', html)


def test_semantic_search_finds_papers_without_every_word(settings):
    made = make_catalogue()
    services.similar_build(full=True)
    robots = {p.arxiv_id for p in made["robots"]}
    query = "grasping manipulation robot unicorn"  # no paper says "unicorn"
    assert "No papers match" in search(query, mode="keyword").content.decode()
    found = listed(search(query, mode="semantic").content.decode())
    assert found and set(found[:6]) == robots
    # Hybrid counts only what matches the words (nothing), and shows the papers related by
    # meaning apart, under their own heading.
    html = search(query, mode="hybrid").content.decode()
    assert "No papers match" in html and "Related by meaning" in html
    related = listed(html[html.index("Related by meaning") :])
    assert len(related) == search_selectors.RELATED_LIMIT and set(related) <= robots


def test_hybrid_count_is_the_word_matches_and_related_papers_are_apart(settings):
    made = make_catalogue()
    services.similar_build(full=True)
    keyword = search_selectors.search_papers(query="robot grasping variant 0", mode="keyword")
    hybrid = search_selectors.search_papers(query="robot grasping variant 0", mode="hybrid")
    assert hybrid.total == keyword.total > 0
    assert [r.paper.pk for r in hybrid.papers] == [r.paper.pk for r in keyword.papers]
    shown = {r.paper.pk for r in hybrid.papers}
    assert hybrid.related and not shown & {r.paper.pk for r in hybrid.related}
    assert {r.paper.pk for r in hybrid.related} <= {p.pk for p in made["robots"]}


def test_hybrid_is_the_default_and_keeps_keyword_hits_first(settings):
    made = make_catalogue()
    services.similar_build(full=True)
    target = made["language"][3]
    html = search(target.title).content.decode()
    assert 'value="hybrid" selected' in html
    assert listed(html)[0] == target.arxiv_id


def test_semantic_mode_without_an_index_falls_back_to_keywords():
    catalogue_paper("2601.00001", title="Graph neural networks for molecules")
    html = search("graph molecules", mode="semantic").content.decode()
    assert listed(html) == ["2601.00001"] and "not available" in html
    assert listed(search("graph molecules").content.decode()) == ["2601.00001"]


def test_filters_apply_to_semantic_results(settings):
    make_catalogue()
    services.similar_build(full=True)
    found = listed(search("segmentation robot arms cat:cs.CV", mode="semantic").content.decode())
    assert found and all(arxiv_id <= "2601.00006" for arxiv_id in found), "vision papers only"


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        "word " * 2000,
        "$$\\int$$",
        "\x00\u202e",
        "深度学习",
        "' OR 1=1 --",
        '"unclosed',
    ],
)
def test_hostile_queries_never_fail(settings, query):
    make_catalogue(per_topic=2)
    services.similar_build(full=True)
    for mode in ("keyword", "semantic", "hybrid", "nonsense"):
        assert search(query, mode=mode).status_code == 200
    api = Client().get("/api/papers/search", {"q": query, "mode": "semantic"})
    # The API bounds q itself: a clear 400 for an over-long one, never a 500.
    assert api.status_code == 200 or (api.status_code == 400 and len(query) > 500)


def test_api_search_mode(settings):
    make_catalogue()
    services.similar_build(full=True)
    query = "grasping manipulation robot unicorn"
    keyword = Client().get("/api/papers/search", {"q": query, "mode": "keyword"}).json()
    semantic = Client().get("/api/papers/search", {"q": query, "mode": "semantic"}).json()
    assert keyword == [] and len(semantic) > 0
    assert Client().get("/api/papers/search", {"q": query, "mode": "bogus"}).status_code in (
        400,
        422,
    )
    assert json.dumps(semantic)
