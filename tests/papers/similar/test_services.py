"""Building neighbours from the catalogue (papers/similar/services.py), through the real
database and index store."""

from __future__ import annotations

import pytest
from django.test import Client

from paperfeed.papers.models import Paper, PaperAuthor, PaperCategory
from paperfeed.papers.similar import fields, services, store
from paperfeed.papers.similar.models import SimilarPaper
from tests.factories import catalogue_paper
from tests.papers.similar.conftest import TOPICS, make_catalogue, neighbour_ids

pytestmark = pytest.mark.django_db


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
            categories=(TOPICS[topic][0],),
        )
    report = services.similar_build()
    assert not report.full and report.added == 2
    index = store.open_index(services.index_dir())
    vectors = np.asarray(index.vectors, np.float32)
    ids = np.asarray(index.ids)
    # The stored space: text vectors, plus the author and category fields of these papers.
    authors = [
        list(PaperAuthor.objects.filter(paper_id=pk).values_list("author__key", flat=True))
        for pk in ids
    ]
    categories = [
        list(PaperCategory.objects.filter(paper_id=pk).values_list("category", flat=True))
        for pk in ids
    ]
    dense, names = fields.neighbour_space(vectors, authors, categories, services.FIELD_WEIGHTS)
    assert names is not None
    expected, _ = neighbours.top_k(dense, dense, 4, self_offset=0, extra=(names, names))
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


def _top_neighbour_of(paper: Paper, monkeypatch, weights: fields.Weights) -> int:
    monkeypatch.setattr(services, "FIELD_WEIGHTS", weights)
    services.similar_build(full=True)
    return neighbour_ids(paper)[0]


def test_a_shared_author_makes_a_paper_the_nearest(settings, monkeypatch):
    """Issue 17: author names weigh in the neighbour score. Three papers on one topic: the
    text alone puts ``twin`` (nearly the same words) first for ``paper``; the author field puts
    ``colleague`` (same author, words a little further) first. Fails if the author tokens are
    dropped on the way from the catalogue to the score."""
    settings.PAPERFEED_SIMILAR_K = 3
    make_catalogue(per_topic=4)
    words = "graph neural networks message passing over molecules and proteins"
    paper = catalogue_paper(
        "2604.00001",
        title="Message passing graph networks for molecules",
        abstract=f"{words}. We predict molecule properties.",
        authors=("Grace Hopper",),
    )
    twin = catalogue_paper(
        "2604.00002",
        title="Message passing graph networks for molecules and proteins",
        abstract=f"{words}. We predict molecule properties.",
        authors=("Alan Turing",),
    )
    colleague = catalogue_paper(
        "2604.00003",
        title="Message passing graph networks for proteins",
        abstract=f"{words}. We predict protein properties.",
        authors=("Grace Hopper",),
    )
    chosen = services.FIELD_WEIGHTS
    without = fields.Weights(authors=0.0, categories=chosen.categories)
    assert _top_neighbour_of(paper, monkeypatch, without) == twin.pk
    assert _top_neighbour_of(paper, monkeypatch, chosen) == colleague.pk


def test_an_index_built_before_the_field_weights_is_rebuilt_in_full(settings):
    """An index whose lists were ranked by the text alone is not extended incrementally: its
    stored scores are on another scale than the new papers' weighted ones."""
    import json

    make_catalogue(per_topic=6)
    services.similar_build(full=True)
    index = store.open_index(services.index_dir())
    meta = json.loads((index.root / "meta.json").read_text())
    del meta["key"]["fields"]
    (index.root / "meta.json").write_text(json.dumps(meta))
    catalogue_paper("2605.00001", title="Robots study 42: grasping again", categories=("cs.RO",))
    report = services.similar_build()
    assert report.full
    assert store.open_index(services.index_dir()).meta["key"]["fields"] == (
        services.FIELD_WEIGHTS.as_dict()
    )
