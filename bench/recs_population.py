"""Members, libraries and upvotes for ``python -m bench.recs_scale populate`` (see there): bulk
SQL inserts into a copy of a bench catalogue, never the ORM one row at a time."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta

import numpy as np

# Django's mark of an unusable password: bench members sign in only through force_login.
UNUSABLE = "!"


def _catalogue_fix_migrations() -> None:
    """The bench catalogues were built before the merge renumbered papers' code-index migration
    (0015_paper_code_index became 0016, after 0015_paperglance): forget it and its index, so
    that ``migrate`` applies both in order."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM django_migrations WHERE app = 'papers' AND name LIKE '0015_%%'"
        )
        if {row[0] for row in cursor.fetchall()} == {"0015_paper_code_index"}:
            cursor.execute(
                "DELETE FROM django_migrations WHERE app = 'papers' AND name = "
                "'0015_paper_code_index'"
            )
            cursor.execute("DROP INDEX IF EXISTS paper_code")


def _pool(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The papers members draw from: (ids, cumulative draw weights, per-field position arrays)."""
    from django.utils import timezone

    from paperfeed.papers.models import STUB, Paper

    now = timezone.now()
    rows = list(
        Paper.objects.visible()
        .exclude(STUB)
        .filter(published__gte=now - timedelta(days=730))
        .values_list("pk", "published", "primary_category")
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    age_days = np.array([(now - r[1]).total_seconds() / 86400 for r in rows])
    fields: dict[str, list[int]] = {}
    for position, row in enumerate(rows):
        fields.setdefault(row[2], []).append(position)
    popularity = rng.permutation(len(ids)) + 1
    weight = popularity**-1.0 * np.exp(-np.maximum(age_days, 0) / 365)
    return ids, weight, [np.array(v, dtype=np.int64) for v in fields.values()]


def _draw(
    rng: np.random.Generator, cdf: np.ndarray, positions: np.ndarray | None, n: int
) -> np.ndarray:
    picked = np.searchsorted(cdf, rng.random(n) * cdf[-1])
    return picked if positions is None else positions[picked]


def populate(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from paperfeed.community.models import Upvote
    from paperfeed.library.models import SavedPaper
    from paperfeed.papers.similar.models import SimilarPaper

    started = time.perf_counter()
    _catalogue_fix_migrations()
    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    if user_model.objects.filter(username__startswith="recs-m").exists():
        sys.exit("this copy already has the bench members; start from a fresh copy")
    rng = np.random.default_rng(args.seed)
    ids, weight, fields = _pool(rng)
    cdf_all = np.cumsum(weight)
    cdf_fields = [np.cumsum(weight[f]) for f in fields]
    field_share = np.array([len(f) for f in fields], dtype=np.float64)
    field_cdf = np.cumsum(field_share / field_share.sum())
    print(f"pool: {len(ids):,} papers of the last two years in {len(fields)} fields")

    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    users = [
        user_model(username=f"recs-m{i:06d}", password=UNUSABLE, date_joined=now)
        for i in range(args.members)
    ]
    with transaction.atomic():
        user_model.objects.bulk_create(users, batch_size=5000)
    user_ids = np.array(
        user_model.objects.filter(username__startswith="recs-m")
        .order_by("username")
        .values_list("pk", flat=True)
    )
    sizes_saved = np.clip(np.floor(rng.lognormal(np.log(20), 1.1, args.members)), 1, 2000)
    sizes_upvoted = np.clip(np.floor(rng.lognormal(np.log(4), 1.2, args.members)), 0, 500)
    saved_sql = (
        f"INSERT INTO {SavedPaper._meta.db_table} (user_id, paper_id, note, created, updated) "
        "VALUES (%s, %s, '', %s, %s)"
    )
    upvote_sql = (
        f"INSERT INTO {Upvote._meta.db_table} (user_id, paper_id, created_at) VALUES (%s, %s, %s)"
    )
    touched: set[int] = set()
    votes: dict[int, int] = {}
    saved_rows: list[tuple] = []
    upvote_rows: list[tuple] = []
    totals = [0, 0]

    def flush(force: bool = False) -> None:
        if len(saved_rows) + len(upvote_rows) < 200_000 and not force:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(saved_sql, saved_rows)
            cursor.executemany(upvote_sql, upvote_rows)
        totals[0] += len(saved_rows)
        totals[1] += len(upvote_rows)
        saved_rows.clear()
        upvote_rows.clear()

    for member, user_id in enumerate(user_ids.tolist()):
        field = int(np.searchsorted(field_cdf, rng.random()))
        for size, rows, is_saved in (
            (int(sizes_saved[member]), saved_rows, True),
            (int(sizes_upvoted[member]), upvote_rows, False),
        ):
            if not size:
                continue
            own = round(size * 0.7 * 1.3) + 1
            picked = np.concatenate(
                [
                    _draw(rng, cdf_fields[field], fields[field], own),
                    _draw(rng, cdf_all, None, int(size * 0.3 * 1.3) + 1),
                ]
            )
            papers = ids[np.unique(picked)]
            papers = rng.permutation(papers)[:size]
            ages = rng.random(len(papers)) * 365
            for paper_id, age in zip(papers.tolist(), ages.tolist(), strict=True):
                when = adapt(now - timedelta(days=age))
                rows.append((user_id, paper_id, when) + ((when,) if is_saved else ()))
                touched.add(paper_id)
                if not is_saved:
                    votes[paper_id] = votes.get(paper_id, 0) + 1
        flush()
    flush(force=True)
    print(f"members: {len(user_ids):,}; saved {totals[0]:,}, upvotes {totals[1]:,}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE papers_paper SET upvote_count = upvote_count + %s WHERE id = %s",
            [(n, pk) for pk, n in votes.items()],
        )
    # Content neighbours: PAPERFEED_SIMILAR_K papers of the same field for every drawn paper.
    field_of = np.empty(len(ids), dtype=np.int64)
    for number, positions in enumerate(fields):
        field_of[positions] = number
    position_of = {int(pk): i for i, pk in enumerate(ids.tolist())}
    k = settings.PAPERFEED_SIMILAR_K
    neighbour_sql = (
        f"INSERT INTO {SimilarPaper._meta.db_table} (paper_id, neighbour_id, rank, score) "
        "VALUES (%s, %s, %s, %s)"
    )
    batch: list[tuple] = []
    for paper_id in sorted(touched):
        same = fields[field_of[position_of[paper_id]]]
        chosen = ids[rng.choice(same, size=min(k + 1, len(same)), replace=False)]
        chosen = [int(c) for c in chosen if c != paper_id][:k]
        scores = np.sort(rng.random(len(chosen)) * 0.6 + 0.2)[::-1]
        pairs = zip(chosen, scores.tolist(), strict=True)
        batch += [(paper_id, n, rank, s) for rank, (n, s) in enumerate(pairs)]
        if len(batch) >= 200_000:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(neighbour_sql, batch)
            batch.clear()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(neighbour_sql, batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # both backends: the planner sees the new tables' sizes
    print(
        f"content neighbours for {len(touched):,} papers; populate took "
        f"{time.perf_counter() - started:.0f} s"
    )
