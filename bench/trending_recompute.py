"""The trending recompute before and after, side by side on a COPY of a bench catalogue.

    git archive <base commit> | tar -x -C /tmp/pf-base
    .venv/bin/python -m bench.trending_recompute --base /tmp/pf-base --catalogue postgres-1m

The catalogue (``var/bench/corpora/<backend>-<name>.json``, built by ``bench.corpus``) is never
written: it is copied first (SQLite: ``cp --reflink=auto`` of its directory; PostgreSQL:
``CREATE DATABASE … TEMPLATE``), the copy is migrated by this checkout (the migration's time is
printed: it backfills ``Paper.code_repo``) and removed at the end. The base checkout runs with
this virtualenv from its own directory, on the same copy (its index ``paper_code`` is put back
for it, so it reads as it does on its own schema).

Round 1 of each side starts from the catalogue's own ``code_stars`` (restored in between), and
the stored scores and every paper's ``code_stars`` after it are compared: they must be
identical. Then the sides alternate for ``--rounds`` more runs each (steady state: the base
still reads every code link, this checkout only what changed). Figures per run: wall time and
the CPU time of the process running the recompute (PostgreSQL's own CPU is not in it), with
the load average of the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import BENCH_VAR, REPO, table

PYTHON = str(REPO / ".venv/bin/python")
# Run in the checkout being measured (its own paperfeed package first on sys.path).
DRIVER = r"""
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
django.setup()
from django.db import connection
mode, out = sys.argv[1], sys.argv[2]
result = {}
if mode == "snapshot":
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_code_stars")
        c.execute("CREATE TABLE bench_code_stars AS SELECT id, code_stars FROM papers_paper "
                  "WHERE code_url <> ''")
        c.execute("CREATE UNIQUE INDEX bench_code_stars_id ON bench_code_stars (id)")
elif mode == "restore":
    with connection.cursor() as c:
        differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        c.execute("UPDATE papers_paper SET code_stars = (SELECT s.code_stars FROM "
                  "bench_code_stars s WHERE s.id = papers_paper.id) "
                  "WHERE id IN (SELECT s.id FROM bench_code_stars s JOIN papers_paper p "
                  f"ON p.id = s.id WHERE p.code_stars {differs} s.code_stars)")
        result["restored"] = c.rowcount
        c.execute("SELECT 1 FROM information_schema.columns WHERE table_name = "
                  "'trending_repository' AND column_name = 'stars_synced'"
                  if connection.vendor == "postgresql" else
                  "SELECT 1 FROM pragma_table_info('trending_repository') "
                  "WHERE name = 'stars_synced'")
        if c.fetchone():
            c.execute("UPDATE trending_repository SET stars_synced = NULL")
elif mode == "seed":
    # Star counts for two repositories in three, and two snapshots each (ten days and twelve
    # hours before the newest featured day): the bench catalogues have none, and without
    # them neither the star velocities nor code_stars would be compared at all.
    from datetime import UTC, datetime, time as clock, timedelta
    from django.db.models import Max
    from paperfeed.papers.models import Featured
    from paperfeed.trending.models import Repository, StarSnapshot
    day = Featured.objects.aggregate(m=Max("day"))["m"]
    end = datetime.combine(day, clock.min, tzinfo=UTC)
    Repository.objects.update(stars=None)
    counted = [(pk, (pk * 37) % 20000) for pk in Repository.objects.values_list("id", flat=True)
               if pk % 3]
    Repository.objects.bulk_update([Repository(pk=pk, stars=n) for pk, n in counted], ["stars"],
                                   batch_size=2000)
    StarSnapshot.objects.bulk_create(
        [StarSnapshot(repository_id=pk, taken_at=end - timedelta(days=10),
                      stars=max(n - pk % 700, 0), source="import") for pk, n in counted]
        + [StarSnapshot(repository_id=pk, taken_at=end - timedelta(hours=12), stars=n,
                        source="import") for pk, n in counted],
        batch_size=5000, ignore_conflicts=True)
    result["counted"] = len(counted)
elif mode == "renumbered":
    # Catalogues built before the merge that renumbered papers/0015_paper_code_index to 0016
    # record it under its old name: undo it so that migrate applies 0015_paperglance, 0016.
    with connection.cursor() as c:
        c.execute("DELETE FROM django_migrations WHERE app = 'papers' "
                  "AND name = '0015_paper_code_index'")
        if c.rowcount:
            c.execute("DROP INDEX IF EXISTS paper_code")
elif mode == "base-index":
    with connection.cursor() as c:
        c.execute("CREATE INDEX IF NOT EXISTS paper_code ON papers_paper "
                  "(code_url, code_stars, hidden) WHERE NOT hidden AND NOT (code_url = '')")
        c.execute("ANALYZE papers_paper" if connection.vendor == "postgresql" else "ANALYZE")
else:
    from paperfeed.trending.scores import trending_scores_recompute
    from paperfeed.trending.models import TrendingScore
    from paperfeed.papers.models import Paper
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "profile":
        import cProfile, pstats
        profiler = cProfile.Profile()
        run = profiler.runcall(trending_scores_recompute)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            r"paperfeed|execute$|fetchmany|bulk_create", 25)
    else:
        run = trending_scores_recompute()
    result = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
              "considered": run.papers_considered, "stored": run.scores_stored}
    if mode == "dump":
        result["scores"] = sorted(
            [pid, window, score, json.dumps(parts, sort_keys=True), has_code]
            for pid, window, score, parts, has_code in TrendingScore.objects.values_list(
                "paper_id", "window", "score", "components", "has_code"))
        result["stars"] = list(Paper.objects.exclude(code_url="").order_by("pk")
                               .values_list("pk", "code_stars", "hidden"))
with open(out, "w") as handle:
    json.dump(result, handle)
"""


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _drive(code: Path, env: dict[str, str], mode: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [PYTHON, "-c", DRIVER, mode, out.name],
            cwd=code,
            env={**os.environ, **env, "PYTHONPATH": str(code)},
            check=True,
        )
        return json.loads(Path(out.name).read_text())


def _copy(catalogue: str) -> tuple[dict[str, str], callable]:  # type: ignore[valid-type]
    """A writable copy of the catalogue: its environment and the function that removes it."""
    spec = json.loads((BENCH_VAR / "corpora" / f"{catalogue}.json").read_text())
    env = dict(spec["env"])
    stamp = f"bench_trending_{os.getpid()}"
    if spec["backend"] == "sqlite":
        source = Path(env["PAPERFEED_DATA_DIR"])
        target = BENCH_VAR / "scratch" / stamp
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-a", "--reflink=auto", str(source), str(target)], check=True)
        env["PAPERFEED_DATA_DIR"] = str(target)
        env["DATABASE_URL"] = "sqlite:///" + str(target / "pf.sqlite3")
        return env, lambda: shutil.rmtree(target)
    url = env["DATABASE_URL"]
    server, _, source_db = url.rpartition("/")
    admin = f"{server}/postgres"
    subprocess.run(
        ["psql", admin, "-qc", f'CREATE DATABASE "{stamp}" TEMPLATE "{source_db}"'], check=True
    )
    env["DATABASE_URL"] = f"{server}/{stamp}"

    def drop() -> None:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{stamp}"'], check=True)

    return env, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="checkout of the base commit")
    parser.add_argument("--catalogue", required=True, help="e.g. postgres-1m, sqlite-real")
    parser.add_argument("--rounds", type=int, default=2, help="steady-state runs per side")
    parser.add_argument("--profile", action="store_true", help="then profile one run of this")
    parser.add_argument(
        "--seed-stars", action="store_true", help="give the copy star counts and snapshots first"
    )
    args = parser.parse_args()
    base, new = args.base.resolve(), REPO
    print(f"catalogue {args.catalogue}; base {base}; load {_load()}", flush=True)
    started = time.perf_counter()
    env, remove = _copy(args.catalogue)
    print(f"copied in {time.perf_counter() - started:.0f} s", flush=True)
    try:
        if args.seed_stars:
            counted = _drive(base, env, "seed")["counted"]
            print(f"seeded star counts for {counted} repositories", flush=True)
        _drive(new, env, "snapshot")
        first_base = _drive(base, env, "dump")
        print(f"base, round 1: {first_base['wall']:.2f} s wall (load {_load()})", flush=True)
        restored = _drive(new, env, "restore")["restored"]
        print(f"code_stars the base's run changed, restored: {restored}", flush=True)
        _drive(new, env, "renumbered")
        migrate_env = {**os.environ, **env}
        for target in (["papers", "0016"], []):  # then the rest, with the code_repo backfill
            started = time.perf_counter()
            subprocess.run(
                [PYTHON, "-m", "paperfeed", "migrate", *target, "-v", "0"],
                cwd=new,
                env=migrate_env,
                check=True,
            )
            what = "up to papers/0016" if target else "the rest (papers/0017: code_repo backfill)"
            print(f"migrated {what} in {time.perf_counter() - started:.1f} s", flush=True)
        _drive(new, env, "base-index")
        first_new = _drive(new, env, "dump")
        print(f"new, round 1: {first_new['wall']:.2f} s wall (load {_load()})", flush=True)
        same_scores = first_base["scores"] == first_new["scores"]
        # Hidden papers are told apart: the base left their counts as they were, this
        # checkout keeps them current too (shown again, a paper shows its repository's count).
        visible = [
            (a, b) for a, b in zip(first_base["stars"], first_new["stars"], strict=True) if not a[2]
        ]
        same_stars = all(a == b for a, b in visible)
        hidden_moved = sum(
            1
            for a, b in zip(first_base["stars"], first_new["stars"], strict=True)
            if a[2] and a != b
        )
        print(
            f"identical scores: {same_scores} ({len(first_new['scores'])} rows); identical "
            f"code_stars: {same_stars} ({len(visible)} visible papers with a code link; "
            f"{hidden_moved} hidden ones brought up to date)",
            flush=True,
        )
        runs: dict[str, list[dict]] = {"base": [first_base], "new": [first_new]}
        for _ in range(args.rounds):
            for side, code in (("base", base), ("new", new)):
                runs[side].append(_drive(code, env, "run"))
                print(f"{side}: {runs[side][-1]['wall']:.2f} s wall (load {_load()})", flush=True)
        if args.profile:
            print("\nwhere a run of this checkout spends its time (cProfile, cumulative):")
            _drive(new, env, "profile")
    finally:
        remove()
    rows = []
    for side in ("base", "new"):
        steady = runs[side][1:] or runs[side]
        rows.append(
            (
                side,
                f"{runs[side][0]['wall']:.2f} / {runs[side][0]['cpu']:.2f}",
                f"{statistics.median(r['wall'] for r in steady):.2f}",
                f"{statistics.median(r['cpu'] for r in steady):.2f}",
                str(runs[side][0]["considered"]),
            )
        )
    print()
    print(
        table(
            rows,
            ("side", "round 1 wall / CPU s", "steady wall s", "steady CPU s", "candidates"),
        )
    )
    ratio = statistics.median(r["wall"] for r in runs["base"][1:] or runs["base"]) / max(
        statistics.median(r["wall"] for r in runs["new"][1:] or runs["new"]), 1e-9
    )
    print(f"\nsteady wall, base / new: {ratio:.1f}x; load now {_load()}")
    if not (same_scores and same_stars):
        sys.exit("scores or code_stars differ between base and new")


if __name__ == "__main__":
    main()
