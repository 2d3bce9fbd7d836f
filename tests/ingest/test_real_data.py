"""A second import of the same input changes nothing, for every real source in ../shared.

The HF scrape archive used to report 28 records "updated" on every re-import (one paper's
pages naming different code links on different days), and the arXiv listings 2,520 (the same
paper listed on several days with revised metadata, and authors read back in another
spelling): both are whole-archive effects, so those two run on the whole archives (``slow``).
The arXiv listings' re-import shares its first import with the command's check of that archive
(tests/ingest/test_commands.py, ``test_the_whole_daily_corpus_yields_exactly_74728_papers_...``):
a third import of the year here cost ~50 s of a worker at load ~10.
"""

from __future__ import annotations

import pytest

from paperfeed.ingest.sources import papers_import_files

pytestmark = pytest.mark.django_db

SAMPLES = [
    "samples/arxiv_api_2025_rsxiv_query.xml",
    "samples/arxiv_api_atom_typical_response.xml",
    "samples/arxiv_oai_arXivRaw_ListRecords_excerpt.xml",
    "samples/arxiv_oai_arXivRaw_GetRecord_0804.2273.xml",
    "samples/arxiv_oai_arXiv_format_GetRecord_0704.0002.xml",
    "samples/hf_daily_papers_2024-10-25_deep-diver_first2.json",
    "samples/hf_daily_papers_item_2026-03_doc-example.json",
    "samples/kaggle_arxiv_metadata_oai_snapshot_record_abridged.jsonl",
    "data/kaggle_snapshot_sample/arxiv-metadata-oai-snapshot.sample.jsonl",
]
ARCHIVES = [
    "data/hf_daily_papers/atharvadomale_hf_daily_2025-12-04_to_2026-08-22.tar.xz",
]


def _import_twice(path) -> tuple:
    if not path.exists():
        pytest.skip(f"{path} is missing from ../shared")
    first = papers_import_files(paths=[str(path)])
    second = papers_import_files(paths=[str(path)])
    assert first.new > 0, "the first import stores the papers"
    return first, second


@pytest.mark.parametrize("name", SAMPLES)
def test_reimporting_a_sample_changes_nothing(shared_dir, name):
    first, second = _import_twice(shared_dir / name)
    assert (second.new, second.updated) == (0, 0)
    assert second.unchanged == first.new + first.updated + first.unchanged
    assert second.rejected == first.rejected


@pytest.mark.slow
@pytest.mark.parametrize("name", ARCHIVES)
def test_reimporting_a_whole_archive_changes_nothing(shared_dir, name):
    first, second = _import_twice(shared_dir / name)
    assert (second.new, second.updated) == (0, 0)
    assert second.unchanged == first.new + first.updated + first.unchanged
    assert second.rejected == first.rejected
