"""Building neighbours from the catalogue, showing them on pages and in the API, and search by
meaning, all through the real importer, database and views."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from paperfeed.papers.models import Paper
from paperfeed.papers.similar import services, store
from paperfeed.papers.similar.models import SimilarPaper
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db

TOPICS = {
    "vision": ("cs.CV", "image segmentation with convolutional networks over pixels and objects"),
    "language": ("cs.CL", "language models translate text tokens across corpora of sentences"),
    "robots": ("cs.RO", "robot arms learn grasping and manipulation policies with control"),
}


def make_catalogue(per_topic: int = 6) -> dict[str, list[Paper]]:
    made: dict[str, list[Paper]] = {}
    n = 0
    for topic, (category, words) in TOPICS.items():
        for i in range(per_topic):
            n += 1
            made.setdefault(topic, []).append(
                catalogue_paper(
                    f"2601.{n:05d}",
                    title=f"{topic.title()} study {i}: {' '.join(words.split()[i : i + 4])}",
                    abstract=f"{words}. Variant {i} of this {topic} work.",
                    categories=(category,),
                    authors=(f"{topic} author {i}",),
                )
            )
    return made


def neighbour_ids(paper: Paper) -> list[int]:
    return list(
        SimilarPaper.objects.filter(paper=paper)
        .order_by("rank")
        .values_list("neighbour_id", flat=True)
    )


def test_full_build_stores_same_topic_neighbours(settings):
    settings.PAPERFEED_SIMILAR_K = 3
    made = make_catalogue()
    report = services.similar_build(full=True)
    assert report.full and report.indexed == 18 and report.lists_written == 18
    topic_of = {p.pk: t for t, papers in made.items() for p in papers}
    for topic, papers in made.items():
        for paper in papers:
            found = neighbour_ids(paper)
            assert len(found) == 3 and paper.pk not in found
            assert all(topic_of[pk] == topic for pk in found)
    assert store.open_index(services.index_dir()).meta["count"] == 18


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


def test_bad_input_never_fails_the_build_or_the_page(settings):
    make_catalogue(per_topic=3)
    odd = [
        catalogue_paper("2602.00001", title="Empty abstract on sparse graphs", abstract=""),
        catalogue_paper("2602.00002", title="$O(n)$", abstract="$$\\sum_i x_i^2 \\le \\epsilon$$"),
        catalogue_paper(
            "2602.00003", title="Нейронные сети", abstract="深度学习模型用于机器翻译。"
        ),
        catalogue_paper("2602.00004", title="x" * 3, abstract="\x00\u202e" * 50),
    ]
    report = services.similar_build(full=True)
    assert report.papers == 13
    for paper in odd:
        response = Client().get(f"/papers/{paper.arxiv_id}")
        assert response.status_code == 200
    formula = Client().get("/papers/2602.00002").content.decode()
    assert "too little text" in formula
    assert neighbour_ids(odd[0]), "a title alone is enough"


def test_a_catalogue_of_one_paper(settings):
    paper = catalogue_paper("2601.00001", title="The only paper about anything at all")
    report = services.similar_build(full=True)
    assert report.indexed == 1 and not neighbour_ids(paper)
    html = Client().get(f"/papers/{paper.arxiv_id}").content.decode()
    assert "No similar papers found." in html
    catalogue_paper("2601.00002", title="A second paper about anything at all")
    report = services.similar_build()
    assert report.full, "doubling the catalogue is past the incremental share"
    assert len(neighbour_ids(paper)) == 1


def test_incremental_build_gives_the_exact_neighbours_in_the_stored_space(settings):
    import numpy as np

    from paperfeed.papers.similar import neighbours

    settings.PAPERFEED_SIMILAR_K = 4
    make_catalogue(per_topic=8)
    services.similar_build(full=True)
    # Two new papers, well under the share that forces a full build.
    for n, topic in enumerate(("robots", "vision"), start=1):
        catalogue_paper(
            f"2603.{n:05d}",
            title=f"{topic.title()} study 99: a new one",
            abstract=f"{TOPICS[topic][1]}. Variant 99 of this {topic} work.",
        )
    report = services.similar_build()
    assert not report.full and report.added == 2
    index = store.open_index(services.index_dir())
    vectors = np.asarray(index.vectors, np.float32)
    expected, _ = neighbours.top_k(vectors, vectors, 4, self_offset=0)
    ids = np.asarray(index.ids)
    agree = [
        len(set(ids[expected[row]]) & set(neighbour_ids(Paper(pk=int(pk))))) / 4
        for row, pk in enumerate(ids)
    ]
    assert np.mean(agree) > 0.9, "float16 storage may swap near-ties, nothing more"
    new = Paper.objects.get(arxiv_id="2603.00001")
    assert len(neighbour_ids(new)) == 4
    assert SimilarPaper.objects.filter(neighbour=new).exists(), "older lists take it in"
    again = services.similar_build()
    assert again.added == 0, "nothing left to do"


def test_changed_settings_force_a_full_build(settings):
    make_catalogue(per_topic=3)
    services.similar_build()
    settings.PAPERFEED_SIMILAR_K = 2
    assert services.similar_build().full


def test_unknown_engine_is_a_clear_error(settings):
    settings.PAPERFEED_SIMILAR_ENGINE = "magic"
    with pytest.raises(services.SimilarBuildError, match="not one of"):
        services.similar_build()


def test_command_builds_and_reports(settings, capsys):
    from django.core.management import call_command

    make_catalogue(per_topic=2)
    call_command("similar", "build", "--full")
    call_command("similar", "status")
    out = capsys.readouterr().out
    assert "full tfidf build: 6 of 6 papers indexed" in out and "tfidf: 6 papers" in out


def test_import_enqueues_a_build(settings, django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    from django_tasks_db.models import DBTaskResult

    from paperfeed.ingest.services import ingest_run
    from paperfeed.papers.records import PaperRecord

    when = datetime(2026, 1, 5, tzinfo=UTC)
    record = PaperRecord(
        arxiv_id="2601.09999",
        source="listing",
        version=1,
        title="A paper",
        abstract="Words.",
        authors=["A B"],
        categories=["cs.CL"],
        published=when,
        updated=when,
        versions=[(1, when)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="test", items=[record])
    assert DBTaskResult.objects.filter(task_path__endswith="similar_build_task").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(source="test", items=[record])  # nothing new: no build
    assert DBTaskResult.objects.filter(task_path__endswith="similar_build_task").count() == 1


# --- Search by meaning ------------------------------------------------------------------------


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
    for mode in ("semantic", "hybrid"):
        found = listed(search(query, mode=mode).content.decode())
        assert found and set(found[:6]) == robots


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
