"""`paperfeed ingest` and `paperfeed stats` end to end, on small files and on the real data."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from paperfeed.ingest.models import IngestRun
from paperfeed.ingest.sources import papers_import_files
from paperfeed.papers.models import Featured, Paper
from tests.ingest.conftest import NOW, import_scraped, scraped
from tests.papers.catalogue_indexes import index_definitions

REPO = Path(__file__).resolve().parents[2]


def listing_line(arxiv_id: str, **overrides) -> str:
    record = {
        "id": arxiv_id,
        "categories": ["cs.CL", "cs.AI"],
        "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
        "abs": f"https://arxiv.org/abs/{arxiv_id}",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "title": f"On the\n  paper {arxiv_id}",
        "comment": None,
        "summary": "An abstract\nwith a hard wrap and $x^2$.",
    }
    record.update(overrides)
    return json.dumps(record)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, "--no-progress", stdout=out) if args[0] == "ingest" else call_command(
        *args, stdout=out
    )
    return out.getvalue()


@pytest.mark.django_db
def test_listing_folder_imports_once_and_reruns_change_nothing(tmp_path):
    (tmp_path / "2025-03-18.jsonl").write_text(
        "\n".join([listing_line("2503.00001"), listing_line("2503.00002")]) + "\n"
    )
    (tmp_path / "2025-03-19.jsonl").write_text(listing_line("2503.00001") + "\n")
    first = run("ingest", "file", str(tmp_path))
    assert "2 new, 0 updated, 1 unchanged, 0 rejected" in first
    paper = Paper.objects.get(arxiv_id="2503.00001")
    assert paper.title == "On the paper 2503.00001"  # hard wrap normalised
    assert paper.listed_on == date(2025, 3, 18)
    second = run("ingest", "file", str(tmp_path))
    assert "0 new, 0 updated, 3 unchanged, 0 rejected" in second
    stats = json.loads(run("stats", "--json"))
    assert (stats["papers"], stats["ingest_runs"]) == (2, 2)
    text = run("stats").splitlines()
    assert text[0].split() == ["papers", "2"]
    assert text[-1].startswith("import runs  2; the last: listing, succeeded, started 20")
    assert not any("{" in line for line in text)  # sentences, not a dict


@pytest.mark.django_db
def test_bad_lines_are_rejected_with_reasons_and_the_rest_imported(tmp_path):
    lines = [
        listing_line("2503.00001").encode(),
        b'{"id": "2503.00002", "title": "truncated',
        listing_line("not-an-id").encode(),
        listing_line("2503.00003", title="x" * 1_000_000).encode(),
        listing_line("2503.00004", title="<script>alert(1)</script>").encode(),
        b"\xff\xfe not utf-8 \xc3\x28",
        listing_line("2503.00005").encode(),
    ]
    path = tmp_path / "2025-03-18.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    output = run("ingest", "file", str(path))
    assert "3 new" in output and "4 rejected" in output
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {
        "2503.00001",
        "2503.00004",
        "2503.00005",
    }
    # Script is stored as text; escaping is the templates' job.
    assert Paper.objects.get(arxiv_id="2503.00004").title == "<script>alert(1)</script>"
    run_row = IngestRun.objects.get()
    assert run_row.rejected == 4
    assert all(error["reason"] for error in run_row.errors)


@pytest.mark.django_db
def test_dry_run_stores_nothing(tmp_path):
    path = tmp_path / "2025-03-18.jsonl"
    path.write_text(listing_line("2503.00001") + "\n")
    output = run("ingest", "file", str(path), "--dry-run")
    assert "1 new" in output and "dry run" in output
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError):
        run("ingest", "file", str(tmp_path / "nope.jsonl"))


@pytest.mark.django_db
def test_snapshot_sample_yields_200_papers_with_versions_and_dates(shared_dir):
    sample = shared_dir / "data/kaggle_snapshot_sample/arxiv-metadata-oai-snapshot.sample.jsonl"
    output = run("ingest", "file", str(sample))
    assert "200 new" in output
    assert Paper.objects.count() == 200
    first = Paper.objects.get(arxiv_id="0704.0001")
    assert first.published == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert first.version == 2
    assert [v["version"] for v in first.versions] == [1, 2]
    assert first.updated == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.primary_category == "hep-ph"
    assert not first.published_is_estimate


@pytest.mark.django_db
def test_hf_samples_import_with_featured_day_and_upvotes(shared_dir):
    samples = shared_dir / "samples"
    run("ingest", "file", str(samples / "hf_daily_papers_2024-10-25_deep-diver_first2.json"))
    run("ingest", "file", str(samples / "hf_daily_papers_item_2026-03_doc-example.json"))
    entry = Featured.objects.get(paper__arxiv_id="2602.23229")
    assert entry.day == date(2026, 3, 6)
    assert entry.upvotes == 10
    assert entry.submitter_name == "marco-garosi"
    paper = entry.paper
    assert paper.code_url == "https://github.com/marco-garosi/CIRCLE"
    assert paper.code_stars == 9
    assert paper.project_page == "https://circle-lmm.github.io/"
    assert Featured.objects.count() == 3


@pytest.mark.slow
@pytest.mark.django_db
def test_the_whole_daily_corpus_yields_exactly_74728_papers_and_a_second_import_changes_nothing(
    shared_dir,
):
    """One import of the year of arXiv listings serves two checks: the command's count and
    first listing days, and that importing the archive again changes nothing (the re-import
    check of tests/ingest/test_real_data.py, for this archive here)."""
    archive = shared_dir / "data/arxiv_daily_cs/daily_jsonl_2025-03-18_to_2026-07-01.tar.xz"
    run("ingest", "file", str(archive))
    stats = json.loads(run("stats", "--json"))
    assert stats["papers"] == 74_728
    # Every paper keeps its first listing day, as the corpus's own index records it.
    index = shared_dir / "data/arxiv_daily_cs/first_seen_index.csv"
    with index.open() as handle:
        expected = {row["arxiv_id"]: row["first_seen_file_date"] for row in csv.DictReader(handle)}
    stored = {a: d.isoformat() for a, d in Paper.objects.values_list("arxiv_id", "listed_on")}
    assert stored == expected
    # The arXiv listings used to report 2,520 papers "updated" on every re-import (the same
    # paper listed on several days with revised metadata, authors read back in another
    # spelling): a whole-archive effect.
    first = IngestRun.objects.get()
    second = papers_import_files(paths=[str(archive)])
    assert first.new > 0, "the first import stores the papers"
    assert (second.new, second.updated) == (0, 0)
    assert second.unchanged == first.new + first.updated + first.unchanged
    assert second.rejected == first.rejected


def _child_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PAPERFEED_DATA_DIR": str(settings.DATA_DIR)}


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_import_killed_half_way_loses_nothing_and_rerun_completes(tmp_path):
    folder = tmp_path / "listings"
    folder.mkdir()
    for day in range(1, 21):
        ids = [f"2504.{day:02d}{n:03d}" for n in range(1000)]
        (folder / f"2025-04-{day:02d}.jsonl").write_text(
            "\n".join(listing_line(i) for i in ids) + "\n"
        )
    command = [sys.executable, "-m", "paperfeed", "ingest", "file", str(folder), "--no-progress"]
    migrated = index_definitions()
    child = subprocess.Popen(command, env=_child_env(), cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while Paper.objects.count() < 5000 and time.monotonic() < deadline:
            assert child.poll() is None, "the import finished before it could be killed"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    stored = Paper.objects.count()
    assert 5000 <= stored < 20_000
    assert IngestRun.objects.get().status == IngestRun.Status.RUNNING  # it never finished
    # A first load: it had set the secondary indexes aside (papers/bulk_indexes.py), and the
    # catalogue still answers without them.
    assert "papercategory_by_cat" not in index_definitions()
    assert Paper.objects.visible().order_by("-published", "-id").count() == stored
    subprocess.run(command, env=_child_env(), cwd=REPO, check=True, capture_output=True)
    assert index_definitions() == migrated
    assert Paper.objects.count() == 20_000
    latest = IngestRun.objects.order_by("-started_at").first()
    assert (latest.status, latest.new, latest.unchanged) == ("succeeded", 20_000 - stored, stored)


@pytest.mark.django_db
def test_command(arxiv, capsys):
    import_scraped(scraped("2611.00001", "Sparse Mixtures of Experts", 1))
    arxiv.papers["2611.00001"] = ("Sparse Mixtures of Experts", NOW, "")
    call_command("ingest", "complete", "--limit", "5", "--no-progress")
    assert "arxiv_api: 0 new, 1 updated" in capsys.readouterr().out
    call_command("ingest", "complete", "--no-progress")
    assert "asked for one already" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("ingest", "complete", "--limit", "0")


def test_a_plain_file_import_knows_its_total_for_the_progress_bar(tmp_path):
    from paperfeed.ingest.management.commands.ingest import Command

    listing = tmp_path / "2026-03-02.jsonl"
    listing.write_text("\n".join(listing_line(f"2603.{n:05d}") for n in range(1, 8)) + "\n")
    packed = tmp_path / "2026-03-03.jsonl.gz"
    packed.write_bytes(gzip.compress(listing.read_bytes()))
    total = Command()._total
    assert total("file", {"paths": [str(listing)], "limit": None}) == 7
    assert total("listings", {"paths": [str(listing), str(listing)], "limit": 10}) == 10
    assert total("file", {"paths": [str(packed)], "limit": None}) is None
    assert total("file", {"paths": [str(tmp_path / "missing.jsonl")], "limit": None}) is None
    assert total("arxiv", {}) is None


@pytest.mark.django_db
def test_thumbnails_build_and_status(pdf_server):
    from paperfeed.papers.models import Thumbnail
    from tests.factories import FeaturedFactory, PaperFactory
    from tests.helpers import pdf_document

    FeaturedFactory(paper=PaperFactory(arxiv_id="2401.00031"))
    FeaturedFactory(paper=PaperFactory(arxiv_id="2401.00032"))
    PaperFactory(arxiv_id="2401.00033")
    pdf_server.pdfs["2401.00031"] = (200, pdf_document())
    pdf_server.pdfs["2401.00032"] = (200, b"<html>withdrawn</html>")
    out = io.StringIO()
    call_command("thumbnails", "build", "--featured-only", "--no-progress", stdout=out)
    assert "1 rendered, 1 failed" in out.getvalue()
    assert "2401.00032: not a PDF" in out.getvalue()
    assert Thumbnail.objects.count() == 2
    assert "1 rendered, 1 failed, 1 not tried yet" in run("thumbnails", "status")
    assert "not a PDF" in run("thumbnails", "status")
    with pytest.raises(CommandError, match="--limit"):
        call_command("thumbnails", "build", "--limit", "0")


@pytest.mark.django_db
def test_thumbnails_build_stops_when_arxiv_is_unreachable(pdf_server):
    from tests.factories import FeaturedFactory, PaperFactory

    FeaturedFactory(paper=PaperFactory(arxiv_id="2401.00034"))
    pdf_server.pdfs["2401.00034"] = (503, b"busy")
    with pytest.raises(CommandError, match=r"stopped early.*HTTP 503"):
        call_command("thumbnails", "build", "--limit", "5", "--no-progress", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_completion_knows_its_total_for_the_progress_bar():
    from paperfeed.ingest.management.commands.ingest import Command
    from tests.factories import catalogue_paper

    for n in range(1, 6):
        catalogue_paper(f"2603.{n:05d}", abstract="")  # no abstract yet: due
    catalogue_paper("2603.00009")  # complete
    total = Command()._total
    assert total("complete", {"limit": None}) == 5
    assert total("complete", {"limit": 3}) == 3
    assert total("complete", {"limit": 0}) is None


_LISTINGS = REPO / "tests/fixtures/ingest/listings"

_IMPORT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("ingest", "file", sys.argv[1], "--no-progress")
from paperfeed.papers.models import Paper
print(json.dumps({"papers": Paper.objects.count(),
                  "loaded": sorted(m for m in ("ninja", "pydantic", "httpx", "psycopg")
                                   if m in sys.modules)}))
"""


@pytest.mark.long
def test_a_file_import_loads_no_web_framework_http_client_or_postgres_driver(tmp_path):
    """`paperfeed ingest file` imports only what an import runs: not the API's framework (ninja,
    pydantic), nor the HTTP client of the fetchers and the star counts (httpx), nor psycopg on
    SQLite; together ~0.55 s of the command's CPU before its first record. Checked in a fresh
    interpreter: the test process has imported all of them long ago."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
        "PAPERFEED_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/pf.sqlite3",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT, str(_LISTINGS / "2025-03-18.jsonl")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["papers"] > 0  # the batch was written, and its tasks enqueued
    assert found["loaded"] == []
