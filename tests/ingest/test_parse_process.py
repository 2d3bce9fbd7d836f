"""Parsing in a second process: the same records, the same report for bad lines, the same
counts, and a clear error when the parsing process fails or dies."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperfeed.ingest import sources
from paperfeed.ingest.models import IngestRun
from paperfeed.ingest.parse_process import ParseProcessDied, batches_in_process
from paperfeed.ingest.parsers.detect import iter_files_records
from paperfeed.ingest.sources import papers_import_files
from paperfeed.papers.models import Paper
from paperfeed.papers.records import PaperRecord, Rejected
from tests.conftest import REPO
from tests.ingest import parse_sources


def listing_line(arxiv_id: str, **overrides) -> bytes:
    record = {
        "id": arxiv_id,
        "categories": ["cs.CL", "cs.AI"],
        "authors": ["Ada Lovelace", "Alan Turing"],
        "title": f"Paper {arxiv_id}",
        "comment": None,
        "summary": "An abstract.",
    }
    record.update(overrides)
    return json.dumps(record).encode()


def bad_listing(folder: Path) -> Path:
    """Two days of listings: good papers around every kind of bad line, one paper seen twice."""
    folder.mkdir()
    day_one = [
        listing_line("2503.00001"),
        b'{"id": "2503.00002", "title": "truncated',
        listing_line("not-an-id"),
        listing_line("2503.00003", title="x" * 1_000_000),
        b'{"id": "2503.00060", "title": "Caf\xe9"}',  # Latin-1, not UTF-8
        b"[1, 2]",
        b"",
        listing_line("2503.00004", title="<script>alert(1)</script>"),
        *(listing_line(f"2503.{n:05d}") for n in range(10, 40)),
    ]
    (folder / "2025-03-18.jsonl").write_bytes(b"\n".join(day_one) + b"\n")
    day_two = [
        listing_line("2503.00001", title="Paper 2503.00001, revised"),
        b'{"id": "2503.00050", "title": "cut',
    ]
    (folder / "2025-03-19.jsonl").write_bytes(b"\n".join(day_two))  # no final newline
    return folder


def test_batches_come_in_order_and_every_item_once():
    batches = list(batches_in_process(parse_sources.counting, (10,), size=3))
    assert batches == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(batches_in_process(parse_sources.counting, (0,), size=3)) == []


def test_the_first_batches_are_smaller_then_double_up_to_the_size():
    batches = list(batches_in_process(parse_sources.counting, (20,), size=8, first_size=2))
    assert [len(batch) for batch in batches] == [2, 4, 8, 6]
    assert [item for batch in batches for item in batch] == list(range(20))


def test_the_parsed_records_are_the_ones_parsed_in_process(tmp_path):
    folder = bad_listing(tmp_path / "listings")
    arguments = ([folder], ["listing"], None, None)
    here = list(iter_files_records(*arguments))
    there = [
        item
        for batch in batches_in_process(iter_files_records, arguments, size=7)
        for item in batch
    ]
    assert there == here
    assert sum(isinstance(item, Rejected) for item in here) == 6
    assert sum(isinstance(item, PaperRecord) for item in here) == 33


def test_a_parsing_error_is_raised_in_the_writer_after_the_batches_before_it():
    batches = batches_in_process(parse_sources.failing_after, (5,), size=2)
    assert next(batches) == [0, 1]
    assert next(batches) == [2, 3]
    with pytest.raises(ValueError, match="line 6: the disk went away"):
        next(batches)


def test_an_exception_that_cannot_cross_processes_keeps_its_words():
    with pytest.raises(RuntimeError, match="Unpicklable: 1 and 2"):
        list(batches_in_process(parse_sources.failing_oddly, (), size=5))


def test_a_killed_parsing_process_is_a_clear_error():
    batches = batches_in_process(parse_sources.killed_after, (4,), size=2)
    assert next(batches) == [0, 1]
    assert next(batches) == [2, 3]
    with pytest.raises(ParseProcessDied, match=r"ended unexpectedly \(exit code -9\)"):
        next(batches)


def test_stopping_early_ends_the_parsing_process():
    batches = batches_in_process(parse_sources.endless, (), size=100)
    assert next(batches)[:3] == [0, 1, 2]
    batches.close()
    assert multiprocessing.active_children() == []


# A writer that takes the first batch and then stops reading, as a killed import does.
_WRITER = """
import multiprocessing, time
from paperfeed.ingest.parse_process import batches_in_process
from tests.ingest import parse_sources
batches = batches_in_process(parse_sources.small_then_large, (), size=1)
assert next(batches) == ["small"]
[child] = multiprocessing.active_children()
print(child.pid, flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_parsing_process_ends_when_the_writer_is_killed():
    """Killed with SIGKILL, the writer cannot end the parsing process, which had put its last
    (large) batch in the queue and waited forever at its exit for it to be read."""
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        child = int(writer.stdout.readline())  # type: ignore[union-attr]
        time.sleep(0.5)  # it puts the large batch and the end, and reaches its exit
        assert _running(child)
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()  # type: ignore[union-attr]  # the child holds it open too
    deadline = time.monotonic() + 10
    try:
        while _running(child):
            assert time.monotonic() < deadline, "the parsing process outlived its writer"
            time.sleep(0.05)
    finally:
        if _running(child):
            os.kill(child, signal.SIGKILL)


def _run_report(run: IngestRun) -> tuple:
    return (run.status, run.new, run.updated, run.unchanged, run.rejected, run.errors)


@pytest.mark.django_db
def test_an_import_parsed_in_a_second_process_stores_and_reports_the_same(tmp_path):
    folder = bad_listing(tmp_path / "listings")
    progress: dict[bool, list[int]] = {True: [], False: []}
    here = papers_import_files(
        paths=[str(folder)], dry_run=True, parse_process=False, progress=progress[False].append
    )
    assert not Paper.objects.exists()
    there = papers_import_files(
        paths=[str(folder)], parse_process=True, progress=progress[True].append
    )
    assert _run_report(there)[1:] == _run_report(here)[1:]
    assert (there.new, there.updated, there.rejected) == (32, 1, 6)
    reasons = {error["location"]: error["reason"] for error in there.errors}
    assert "malformed JSON" in reasons["2025-03-18.jsonl:2"]
    assert "not valid UTF-8" in reasons["2025-03-18.jsonl:5"]
    assert {"id": "2503.00060", "location": "2025-03-18.jsonl:5"}.items() <= next(
        error for error in there.errors if error["id"] == "2503.00060"
    ).items()
    assert "title longer than" in reasons["2025-03-18.jsonl:4"]
    assert "not a JSON object" in reasons["2025-03-18.jsonl:6"]
    assert "file truncated?" in reasons["2025-03-19.jsonl:2"]
    assert progress[True] == progress[False] and sum(progress[True]) == 39
    assert Paper.objects.count() == 32
    assert Paper.objects.get(arxiv_id="2503.00001").title == "Paper 2503.00001, revised"
    assert Paper.objects.get(arxiv_id="2503.00004").title == "<script>alert(1)</script>"
    again = papers_import_files(paths=[str(folder)], parse_process=True)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 33)


@pytest.mark.django_db
def test_both_paths_cut_the_same_batches_a_small_one_first(tmp_path):
    """Which records share a batch decides what counts as a duplicate within one: the parsing
    process and the reader thread start with FIRST_BATCH_SIZE and double alike."""
    folder = tmp_path / "listings"
    folder.mkdir()
    lines = [b"[1, 2]"] * 3_498 + [listing_line("2503.00001"), listing_line("2503.00001")]
    (folder / "2025-03-18.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    progress: dict[bool, list[int]] = {True: [], False: []}
    for in_process in (False, True):
        run = papers_import_files(
            paths=[str(folder)],
            dry_run=True,
            parse_process=in_process,
            progress=progress[in_process].append,
        )
        assert (run.new, run.rejected) == (1, 3_499)
    assert progress[True] == progress[False] == [1_000, 2_000, 500]


@pytest.mark.django_db
def test_large_inputs_are_parsed_in_a_second_process_unless_turned_off(
    tmp_path, settings, monkeypatch
):
    folder = bad_listing(tmp_path / "listings")
    used: list[tuple] = []
    real = sources.batches_in_process

    def spy(*args, **kwargs):
        used.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sources, "batches_in_process", spy)
    papers_import_files(paths=[str(folder)], dry_run=True)
    assert used == []  # under PARSE_PROCESS_MIN_BYTES
    monkeypatch.setattr(sources, "PARSE_PROCESS_MIN_BYTES", 1000)
    run = papers_import_files(paths=[str(folder)], dry_run=True)
    assert len(used) == 1 and run.new == 32
    settings.PAPERFEED_IMPORT_PARSE_PROCESS = False
    papers_import_files(paths=[str(folder)], dry_run=True)
    assert len(used) == 1
