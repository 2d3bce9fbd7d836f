"""Building the search index from the database: rebuilds swap atomically, updates catch up."""

from __future__ import annotations

import dataclasses
import json
import os
from contextlib import contextmanager

import pytest
import tantivy
from django.core.management import call_command
from django.utils import timezone

from paperfeed.papers import search_selectors, textindex, textindex_build
from paperfeed.papers.models import Paper
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _engine(settings, tmp_path):
    settings.PAPERFEED_SEARCH_ENGINE = "tantivy"
    settings.PAPERFEED_SEARCH_INDEX_DIR = str(tmp_path / "search")


def test_a_rebuild_writes_a_new_build_and_swaps_it_in():
    catalogue_paper("2602.00001", title="Graph networks", authors=("Ada Lovelace",))
    first = textindex_build.textindex_rebuild()
    reader = textindex.engine_index()
    assert reader is not None
    catalogue_paper("2602.00002", title="Graph transformers")
    second = textindex_build.textindex_rebuild()
    assert second.root != first.root and second.papers == 2
    base = textindex.index_dir()
    assert textindex.current_root(base) == base / second.root.rsplit("/", 1)[1]
    assert [p.name for p in base.iterdir() if p.is_dir()] == [second.root.rsplit("/", 1)[1]]
    index = textindex.engine_index()
    assert index is not None and index is not reader and index.searcher().num_docs == 2


def test_a_search_reads_the_build_current_names_even_when_its_size_and_time_are_the_same():
    # A web process reads CURRENT's name again only when the file is another one: make_live
    # replaces it whole, so a new inode, whatever its size and modification time.
    catalogue_paper("2602.00001", title="Graph networks")
    first = textindex_build.textindex_rebuild()
    assert textindex.engine_index() is not None
    base = textindex.index_dir()
    pointer = base / textindex.CURRENT
    before = pointer.stat()
    catalogue_paper("2602.00002", title="Graph transformers")
    second = textindex_build.textindex_rebuild()
    name = second.root.rsplit("/", 1)[1]
    same_length = base / (name[: len(first.root.rsplit("/", 1)[1]) - 1] + "x")
    (base / name).rename(same_length)
    replacement = base / ".pointer"
    replacement.write_text(same_length.name)
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, pointer)
    assert pointer.stat().st_size == before.st_size
    assert pointer.stat().st_mtime_ns == before.st_mtime_ns
    index = textindex.engine_index()
    assert index is not None and index.searcher().num_docs == 2


def test_an_update_replaces_changed_papers_and_starts_with_a_rebuild():
    paper = catalogue_paper("2602.00001", title="Graph networks")
    assert textindex_build.textindex_update().full, "no build yet: a rebuild"
    Paper.objects.filter(pk=paper.pk).update(title="Spiking networks")  # updated_at moves too
    Paper.objects.filter(pk=paper.pk).update(updated_at=paper.updated_at.replace(year=2099))
    report = textindex_build.textindex_update()
    assert not report.full and report.papers == 1
    index = textindex.engine_index()
    assert index is not None
    found, total = textindex.search(index, terms=["spiking"])
    assert found == [paper.pk] and total == 1
    assert textindex.search(index, terms=["graph"]) == ([], 0), "the old entry is gone"
    assert index.searcher().num_docs == 1


def test_an_update_waiting_for_a_rebuild_writes_into_the_new_build(monkeypatch):
    catalogue_paper("2602.00001", title="Graph networks")
    textindex_build.textindex_rebuild()
    catalogue_paper("2602.00002", title="Graph transformers")
    real_lock = textindex_build._build_lock

    @contextmanager
    def lock_after_a_rebuild(base):
        # Another process's rebuild holds the lock and finishes first.
        monkeypatch.setattr(textindex_build, "_build_lock", real_lock)
        textindex_build.textindex_rebuild()
        with real_lock(base):
            yield

    monkeypatch.setattr(textindex_build, "_build_lock", lock_after_a_rebuild)
    report = textindex_build.textindex_update()
    assert not report.full
    assert report.root == str(textindex.current_root(textindex.index_dir()))
    index = textindex.engine_index()
    assert index is not None and index.searcher().num_docs == 2


def test_a_search_cached_before_the_update_is_not_served_after_it(settings):
    settings.PAPERFEED_SEARCH_CACHE_SECONDS = 600
    catalogue_paper("2602.00001", title="Graph networks")
    textindex_build.textindex_rebuild()
    catalogue_paper("2602.00002", title="Zymurgy networks")  # imported, not indexed yet
    assert search_selectors.search_papers(query="zymurgy", mode="keyword").total == 0
    textindex_build.textindex_update()
    assert search_selectors.search_papers(query="zymurgy", mode="keyword").total == 1
    catalogue_paper("2602.00003", title="Zymurgy at scale")
    assert search_selectors.search_papers(query="zymurgy", mode="keyword").total == 1
    textindex_build.textindex_rebuild()
    assert search_selectors.search_papers(query="zymurgy", mode="keyword").total == 2


def test_an_import_enqueues_the_update_the_worker_runs(
    run_tasks, tmp_path, django_capture_on_commit_callbacks
):
    from paperfeed.ingest.sources import papers_import_files

    textindex_build.textindex_rebuild()
    listing = tmp_path / "2026-02-02.jsonl"
    record = {
        "id": "2602.00042",
        "categories": ["cs.LG"],
        "pdf": "https://arxiv.org/pdf/2602.00042",
        "abs": "https://arxiv.org/abs/2602.00042",
        "authors": ["Ada Lovelace"],
        "title": "Hypernetwork compression",
        "comment": None,
        "summary": "We compress hypernetworks.",
    }
    listing.write_text(json.dumps(record) + "\n")
    with django_capture_on_commit_callbacks(execute=True):
        papers_import_files(paths=[str(listing)])
    index = textindex.engine_index()
    assert index is not None
    assert textindex.search(index, terms=["hypernetwork"])[1] == 0, "not before the worker"
    run_tasks()
    assert textindex.search(index, terms=["hypernetwork"])[1] == 1


def test_the_command_rebuilds_updates_and_reports(capsys):
    call_command("search", "status")
    assert "No search index" in capsys.readouterr().out
    catalogue_paper("2602.00001", title="Graph networks")
    call_command("search", "rebuild")
    assert "full rebuild: 1 papers" in capsys.readouterr().out
    call_command("search", "update")
    assert "update:" in capsys.readouterr().out
    call_command("search", "status")
    assert "1 papers, caught up to" in capsys.readouterr().out


def test_entries_hold_each_papers_text_authors_categories_and_date_in_both_paths():
    from datetime import UTC, date, datetime

    from tests.papers.test_selectors import stub

    early = catalogue_paper(
        "2602.00001",
        title="Graph networks",
        abstract="We study graphs.",
        authors=("Zoë Ångström", "Ada Lovelace", "Bo Li"),
        categories=("cs.LG", "cs.AI", "stat.ML"),
        # The last second of a year, in the UTC the index's year filters use.
        published=datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
    )
    plain = catalogue_paper("2602.00002", title="Graph transformers", authors=(), categories=())
    featured_only = stub("2602.00003", title="Graph stubs", day=date(2026, 2, 3))
    found = {entry.paper_id: entry for entry in textindex_build.entries()}
    assert list(found) == [early.pk, plain.pk, featured_only.pk], "every paper, in id order"
    first = found[early.pk]
    assert (first.title, first.abstract) == ("Graph networks", "We study graphs.")
    # Authors in their order, then the accent-folded spelling of the names that have one.
    assert first.authors == "Zoë Ångström, Ada Lovelace, Bo Li, zoe angstrom"
    assert list(first.categories) == ["cs.LG", "cs.AI", "stat.ML"]
    assert first.published == int(early.published.timestamp()) == 1767225599
    assert not first.is_stub
    assert (found[plain.pk].authors, list(found[plain.pk].categories)) == ("", [])
    assert found[featured_only.pk].is_stub
    stored = Paper.objects.get(pk=featured_only.pk).published
    assert found[featured_only.pk].published == int(stored.timestamp())

    # An update reads only the papers written after its watermark, the same way.
    Paper.objects.filter(pk=early.pk).update(updated_at=datetime(2099, 1, 1, tzinfo=UTC))
    since = datetime(2098, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert [entry for entry in textindex_build.entries(since=since)] == [first]
    assert list(textindex_build.entries(since=datetime(2099, 1, 1, tzinfo=UTC))) == []


def test_entries_list_authors_and_categories_by_position_not_by_insertion():
    from paperfeed.papers.models import PaperAuthor, PaperCategory

    paper = catalogue_paper(
        "2602.00004",
        title="Ordered names",
        authors=("Ann First", "Bea Second", "Cy Third"),
        categories=("cs.LG", "cs.AI", "stat.ML"),
    )
    # Rows written A, B, C; their positions now say C, B, A (a rewrite of the author list).
    for model, field, first, last in (
        (PaperAuthor, "name", "Ann First", "Cy Third"),
        (PaperCategory, "category", "cs.LG", "stat.ML"),
    ):
        model.objects.filter(paper=paper, **{field: first}).update(position=10)
        model.objects.filter(paper=paper, **{field: last}).update(position=0)
    (entry,) = textindex_build.entries()
    assert entry.authors == "Cy Third, Bea Second, Ann First"
    assert list(entry.categories) == ["stat.ML", "cs.AI", "cs.LG"]
    (updated,) = textindex_build.entries(
        since=Paper.objects.get(pk=paper.pk).updated_at.replace(year=2000)
    )
    assert updated == entry


def test_an_update_never_writes_into_a_build_of_another_format(monkeypatch, capsys):
    # A build of an older format keeps answering, but this version's entries (other fields)
    # must not be mixed into it: the update rebuilds instead, and status says so before.
    catalogue_paper("2602.00001", title="Graph networks")
    with monkeypatch.context() as patched:
        patched.setattr(textindex, "FORMAT", 2)
        old = textindex_build.textindex_rebuild()
    assert textindex.read_state(textindex.current_root(textindex.index_dir()))["format"] == 2
    call_command("search", "status")
    assert "format 2 is older than this version's 3" in capsys.readouterr().out
    catalogue_paper("2602.00002", title="Graph transformers")
    report = textindex_build.textindex_update()
    assert report.full and report.root != old.root and report.papers == 2
    root = textindex.current_root(textindex.index_dir())
    assert root is not None and textindex.read_state(root)["format"] == textindex.FORMAT
    assert [p.name for p in textindex.index_dir().iterdir() if p.is_dir()] == [root.name]
    index = textindex.engine_index()
    assert index is not None and textindex.search(index, terms=["graph"])[1] == 2
    again = textindex_build.textindex_update()
    assert not again.full and again.root == report.root, "same format: an update again"


def test_format_3_stores_no_document_and_keeps_only_ids_for_categories():
    catalogue_paper("2602.00001", title="Graph networks", categories=("cs.LG", "cs.AI"))
    textindex_build.textindex_rebuild()
    index = textindex.engine_index()
    assert index is not None
    root = textindex.current_root(textindex.index_dir())
    assert root is not None
    fields = {
        field["name"]: field["options"]
        for field in json.loads((root / "meta.json").read_text())["schema"]
    }
    assert not fields["id"]["stored"] and fields["id"]["fast"] and fields["id"]["indexed"]
    assert fields["categories"]["indexing"]["record"] == "basic"
    assert fields["title"]["indexing"]["record"] == "position", "phrases read title positions"
    assert not any(options.get("stored") for options in fields.values())
    assert textindex.search(index, categories=["cs.AI"])[1] == 1


def test_a_failed_write_commits_nothing_and_leaves_the_index_writable():
    # A failure while reading the entries or adding a document rolls the whole write back,
    # and the writer lets go of the directory's lock at once, so the next write can start.
    for n in range(3):
        catalogue_paper(f"2602.0000{n}", title=f"Graph networks {n}")
    textindex_build.textindex_rebuild()
    index = textindex.engine_index()
    assert index is not None

    def reading_fails():
        yield from textindex_build.entries()
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        textindex.write_entries(index, reading_fails(), replace=False)
    good = list(textindex_build.entries())
    bad = dataclasses.replace(good[0], published="not a date")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        textindex.write_entries(index, [*good, bad, *good] * 400, replace=False)
    index.reload()
    assert index.searcher().num_docs == 3, "nothing of either write was committed"
    assert textindex.write_entries(index, good, replace=True) == 3
    index.reload()
    assert index.searcher().num_docs == 3


def test_a_rebuild_writes_one_segment_with_the_papers_in_id_order():
    # One writer thread with a budget the whole catalogue fits in: one segment, so a search
    # looks each word up in one term dictionary and ties come in paper-id order. (The earlier
    # 256 MB writer also wrote one segment at this size; at 1 M it wrote ten and left three.)
    published = timezone.now()
    Paper.objects.bulk_create(
        Paper(
            arxiv_id=f"2602.{n:05d}",
            title=f"Graph networks, part {n}",
            abstract=" ".join(f"word{(n * 7 + k) % 500}" for k in range(120)),
            published=published,
            updated=published,
        )
        for n in range(1000)
    )
    report = textindex_build.textindex_rebuild()
    searcher = textindex.engine_index().searcher()
    assert report.papers == 1000 and searcher.num_segments == 1
    ids = searcher.fast_field_values("id", [tantivy.DocAddress(0, doc) for doc in range(1000)])
    assert ids == sorted(Paper.objects.values_list("id", flat=True))


def test_the_rebuilds_memory_setting_is_kept_within_what_tantivy_accepts_for_a_thread(settings):
    settings.PAPERFEED_SEARCH_REBUILD_MEMORY_MB = 0
    assert textindex_build.rebuild_heap() == 16_000_000
    settings.PAPERFEED_SEARCH_REBUILD_MEMORY_MB = 100_000
    assert textindex_build.rebuild_heap() == 4_000_000_000
    for megabytes in (0, 100_000):
        settings.PAPERFEED_SEARCH_REBUILD_MEMORY_MB = megabytes
        catalogue_paper("2602.00001", title="Graph networks")
        assert textindex_build.textindex_rebuild().papers == 1
