from __future__ import annotations

import pytest

from paperfeed.papers.models import Paper
from paperfeed.papers.similar.models import SimilarPaper
from tests.factories import catalogue_paper


@pytest.fixture(autouse=True)
def _own_index_dir(settings, tmp_path):
    """Each test builds its index in its own directory, never in the shared var/."""
    settings.DATA_DIR = tmp_path
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    settings.PAPERFEED_SIMILAR_ENGINE = "tfidf"


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
