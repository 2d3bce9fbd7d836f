"""A fixture catalogue for the importer's golden test, and the canonical dump it is compared by.

``build_inputs`` writes a deterministic archive of daily listings (authors whose spellings fold
to one person, a person listed twice on a paper, papers seen again on later days, repeated
categories, and hostile lines: bad JSON, missing fields, huge fields, bad ids, NUL characters)
beside the snapshot fixtures (version histories, LaTeX names). ``import_all`` imports them as
``paperfeed ingest file`` does; ``dump`` reads back every column the importer writes, keyed by
arXiv id and author key rather than by row id. The expected dump,
``tests/fixtures/ingest/catalogue_golden.json``, was written by the import of the start commit
``f1cdfda`` (``python -m tests.ingest.catalogue_golden OUT`` with that commit's paperfeed first on
the path), so a faster importer must store exactly what it stored.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
GOLDEN = FIXTURES / "catalogue_golden.json"

_FIRST = ["José", "Jose", "Zoë", "Ann", "Wei", "Ola", "Ravi", "Mei", "Élodie", "Lars", "Ngozi"]
_LAST = ["García", "Garcia", "Müller", "Lee", "Zhang", "Nordmann", "Kumar", "Chen", "Dubois"]
_CATEGORIES = ["cs.LG", "cs.AI", "cs.CL", "cs.CV", "stat.ML", "math.OC"]


def _name(rng: random.Random) -> str:
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    spacing = rng.random()
    if spacing < 0.1:
        return f"  {name.upper()} "  # case and spacing fold to the same person
    if spacing < 0.2:
        return name.replace(" ", "   ")
    return name


def _record(rng: random.Random, number: int, day: int) -> dict[str, Any]:
    authors = [_name(rng) for _ in range(rng.randint(1, 7))]
    if rng.random() < 0.1:
        authors.append(authors[0])  # one person listed twice on one paper
    categories = rng.sample(_CATEGORIES, rng.randint(1, 3))
    if rng.random() < 0.1:
        categories.append(categories[0])
    return {
        "id": f"2503.{number:05d}",
        "categories": categories,
        "authors": authors,
        "title": f"Paper {number} seen on day {day}",
        "comment": rng.choice([None, "12 pages", f"v{day}"]),
        "summary": f"Abstract of {number}, day {day}. " * rng.randint(1, 3),
    }


def _hostile(day: int) -> list[bytes]:
    return [
        b'{"id": "2503.90001", "title": "truncated',
        json.dumps({"id": "not-an-id", "title": "x", "authors": [], "categories": []}).encode(),
        json.dumps(
            {"id": "2503.90002", "title": "t" * 5000, "authors": ["A B"], "categories": ["cs.LG"]}
        ).encode(),
        json.dumps({"id": "2503.90003", "authors": ["No Title"], "categories": ["cs.LG"]}).encode(),
        json.dumps(
            {
                "id": "2503.90004",
                "title": "Nul\u0000 in the title",
                "summary": "and\u0000 here",
                "authors": ["Nul\u0000 Name"],
                "categories": ["cs.LG"],
            }
        ).encode(),
        json.dumps(
            {
                "id": f"2503.{90010 + day:05d}",
                "title": "Many authors",
                "summary": "",
                "authors": [f"Author {n}" for n in range(120)],
                "categories": ["cs.LG"],
            }
        ).encode(),
        b"[1, 2, 3]",
        b'{"id": "2503.90005", "title": "Caf\xe9"}',
        b"",
    ]


def _day_lines(rng: random.Random, day: int, papers: int, days: int) -> bytes:
    numbers = [n for n in range(1, papers + 1) if n % days == day or n % 7 == day]
    lines = [json.dumps(_record(rng, n, day)).encode() for n in numbers]
    lines[len(lines) // 2 : len(lines) // 2] = _hostile(day)
    return b"\n".join(lines) + b"\n"


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def build_inputs(folder: Path, *, papers: int = 120, days: int = 4) -> list[Path]:
    """The inputs, in import order (each its own run, so papers seen again on a later day come
    in a later transaction): a tar of two days of listings, one day's file, a tar of the last
    day, then the snapshot fixtures."""
    rng = random.Random(20)
    folder.mkdir(parents=True, exist_ok=True)
    data = [_day_lines(rng, day, papers, days) for day in range(days)]
    names = [f"2025-03-{18 + day:02d}.jsonl" for day in range(days)]
    inputs = [_tar(folder / "first.tar", {f"daily/{names[0]}": data[0], names[1]: data[1]})]
    inputs.append(folder / names[2])
    inputs[-1].write_bytes(data[2])
    inputs.append(_tar(folder / "last.tar", dict(zip(names[3:], data[3:], strict=True))))
    for name in ("good.jsonl", "bad.jsonl"):
        inputs.append(folder / f"snapshot-{name}")
        shutil.copyfile(FIXTURES / "snapshot" / name, inputs[-1])
    return inputs


def import_all(inputs: list[Path], *, parse_process: bool) -> list[tuple[int, int, int, int]]:
    """Import each input as ``paperfeed ingest file`` does; (new, updated, unchanged, rejected)
    of each run."""
    from paperfeed.ingest.sources import papers_import_files

    runs = []
    for path in inputs:
        fmt = "snapshot" if "snapshot" in path.name else "listing"
        run = papers_import_files(paths=[str(path)], fmt=fmt, parse_process=parse_process)
        runs.append((run.new, run.updated, run.unchanged, run.rejected))
    return runs


def dump() -> dict[str, Any]:
    """Every column the importer writes, of papers, authors and their links, by natural keys."""
    from paperfeed.papers.models import Author, Paper, PaperAuthor, PaperCategory
    from paperfeed.papers.upsert import PAPER_COLUMNS

    def plain(value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else value

    papers = {
        row["arxiv_id"]: {name: plain(value) for name, value in row.items()}
        for row in Paper.objects.order_by("arxiv_id").values(*PAPER_COLUMNS)
    }
    authors = sorted(Author.objects.values_list("key", "name"))
    links = sorted(
        PaperAuthor.objects.values_list("paper__arxiv_id", "position", "author__key", "name")
    )
    categories = sorted(
        PaperCategory.objects.values_list("paper__arxiv_id", "position", "category")
    )
    return {
        "papers": papers,
        "authors": [list(row) for row in authors],
        "paper_authors": [list(row) for row in links],
        "paper_categories": [list(row) for row in categories],
    }


def _write(out: Path) -> None:
    """Write the golden dump with whichever paperfeed is first on the path, into a fresh
    SQLite database under ``out``'s folder."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["PAPERFEED_DATA_DIR"] = scratch
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/golden.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        inputs = build_inputs(Path(scratch) / "inputs")
        runs = import_all(inputs, parse_process=False)
        found = {"runs": runs, **dump()}
        # One entry a line, so that a difference reads as a short diff.
        lines = [
            f"{json.dumps(key)}: " + json.dumps(entry, sort_keys=True, ensure_ascii=False)
            for key, entry in _entries(found)
        ]
        out.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


def _entries(found: dict[str, Any]) -> list[tuple[str, Any]]:
    """(key, value) of every entry of the dump, flattened one level for the file's layout."""
    entries: list[tuple[str, Any]] = []
    for section, value in sorted(found.items()):
        rows = value.items() if isinstance(value, dict) else enumerate(value)
        entries.extend((f"{section}/{key}", row) for key, row in rows)
    return entries


def expected() -> dict[str, Any]:
    """The golden dump, back in :func:`dump`'s shape (with ``runs``)."""
    flat = json.loads(GOLDEN.read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for key, row in flat.items():
        section, _, name = key.partition("/")
        if section == "papers":
            found.setdefault(section, {})[name] = row
        else:
            found.setdefault(section, []).append(row)
    return found


if __name__ == "__main__":
    _write(Path(sys.argv[1]))
