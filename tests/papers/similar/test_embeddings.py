"""The optional engine with the real all-MiniLM-L6-v2 (int8 ONNX) that the `embeddings` extra
installs; skipped, saying why, where the extra is not installed."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.papers.similar import embeddings, services

pytest.importorskip("onnxruntime", reason="the embeddings extra is not installed")
pytest.importorskip("tokenizers", reason="the embeddings extra is not installed")


@pytest.fixture(scope="module")
def encoder():
    try:
        files = embeddings.locate_model()
    except embeddings.ModelNotFound as exc:
        pytest.skip(str(exc))
    return embeddings.Encoder(files, max_tokens=64)


def test_sentence_vectors_follow_meaning(encoder):
    vectors = encoder.encode(
        [
            "A cat sits on the mat.",
            "A kitten rests on a rug.",
            "Stock markets fell sharply today.",
            "",
        ]
    )
    assert vectors.shape == (4, 384)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.5 > sims[0, 2]
    assert not vectors[3].any() or np.isclose(np.linalg.norm(vectors[3]), 1.0)


def test_long_and_hostile_text_is_truncated_not_refused(encoder):
    vectors = encoder.encode(["word " * 5000, "\x00\u202e$$\\int$$", "深度学习模型用于机器翻译"])
    assert np.isfinite(vectors).all()


def test_model_dir_without_files_is_a_clear_error(tmp_path):
    with pytest.raises(embeddings.ModelNotFound, match="lacks"):
        embeddings.locate_model(str(tmp_path))


@pytest.mark.django_db
def test_build_and_search_with_embeddings(settings, encoder):
    from django.test import Client

    from paperfeed.papers.similar.models import SimilarPaper
    from tests.factories import catalogue_paper

    settings.PAPERFEED_SIMILAR_ENGINE = "embeddings"
    settings.PAPERFEED_SIMILAR_MAX_TOKENS = 64
    settings.PAPERFEED_SIMILAR_K = 2
    titles = [
        "Robots learn to grasp household objects",
        "Robotic arm manipulation with tactile feedback",
        "Picking up cups with a robot hand",
        "Translating English to German with neural networks",
        "Machine translation for low-resource languages",
        "Multilingual models for translating text",
    ]
    papers = [
        catalogue_paper(f"2601.{i:05d}", title=title, abstract=title + ".")
        for i, title in enumerate(titles, start=1)
    ]
    report = services.similar_build(full=True)
    assert report.engine == "embeddings" and report.indexed == 6
    robot_ids = {p.pk for p in papers[:3]}
    for paper in papers[:3]:
        found = set(SimilarPaper.objects.filter(paper=paper).values_list("neighbour_id", flat=True))
        assert found == robot_ids - {paper.pk}
    html = Client().get("/search", {"q": "automatic language conversion", "mode": "semantic"})
    body = html.content.decode()
    assert html.status_code == 200
    first = body.index('href="/papers/2601.0000')
    assert body[first : first + 30].split("2601.")[1][:5] in {"00004", "00005", "00006"}


@pytest.mark.django_db
def test_build_with_a_missing_model_dir_says_what_to_do(settings, tmp_path):
    settings.PAPERFEED_SIMILAR_ENGINE = "embeddings"
    settings.PAPERFEED_SIMILAR_MODEL_DIR = str(tmp_path / "nowhere")
    with pytest.raises(services.SimilarBuildError, match=r"model\.onnx"):
        services.similar_build()


def test_packaged_tokenizer_is_bert_uncased_wordpiece(encoder):
    # Ids of bert-base-uncased, whose vocabulary all-MiniLM-L6-v2 was trained with: a tokenizer
    # that does not match the model would still run, but give meaningless vectors.
    encoder._load()
    encoding = encoder._tokenizer.encode("Hello World, transformers!")
    assert encoding.ids == [101, 7592, 2088, 1010, 19081, 999, 102]
    assert encoder._tokenizer.get_vocab_size() == 30522
