"""The scale-up's SQL copy: the real catalogue copied in place until it holds N papers.

Runs inside the child process that ``bench.corpus`` starts (``python -m bench.corpus --scale-up
N``, with the catalogue's env and Django set up); see ``bench/corpus.py`` for how copies are
numbered and dated.
"""

from __future__ import annotations

import os
import time

from bench.corpus import NO_COPY_ABOVE, SIZES

# Days each copy is moved back: 480 spreads 1 M papers over ~17 years; above 1 M, 360 spreads
# 2.7 M (35 copies) over ~35 years, the span of all of arXiv.
SHIFT_DAYS = 480
SHIFT_DAYS_LARGE = 360

# Columns that every copy changes; every other column of papers_paper is copied as it is (read
# from the table, so a column added by a later migration is copied too).
_CHANGED = ("id", "arxiv_id", "published", "updated", "listed_on", "upvote_count", "comment_count")
# The real papers, numbered once (rn = 1, 2, ...): copy k gives paper rn the id base_k + rn, so
# no copy has to look its new ids up again by arxiv_id.
_SOURCE = "bench_source"


def _paper_columns(cursor, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'papers_paper' ORDER BY ordinal_position"
        )
        names = [row[0] for row in cursor.fetchall()]
    else:
        cursor.execute("SELECT name FROM pragma_table_info('papers_paper')")
        names = [row[0] for row in cursor.fetchall()]
    return [name for name in names if name not in _CHANGED]


def _source_statements(max_real: int) -> list[str]:
    return [
        f"DROP TABLE IF EXISTS {_SOURCE}",
        f"CREATE TEMP TABLE {_SOURCE} (rn INTEGER PRIMARY KEY, old BIGINT NOT NULL)",
        f"""INSERT INTO {_SOURCE} (rn, old)
            SELECT ROW_NUMBER() OVER (ORDER BY id), id FROM papers_paper WHERE id <= {max_real}""",
    ]


def _copy_statements(
    vendor: str,
    prefix: str,
    shift: int,
    count: int,
    base: int,
    columns: list[str],
    *,
    fts_copy: bool = True,
) -> list:
    """Copy the first ``count`` real papers (and their rows) as new ids ``base + rn``.

    Each statement reads the real rows through ``bench_source`` in paper order, so the new
    rows arrive in key order and every B-tree they touch is appended to, not split.
    """
    if vendor == "postgresql":
        new_id = f"'{prefix}.' || lpad(s.rn::text, 5, '0')"
        published = f"published - interval '{shift} days'"
        updated = f"updated - interval '{shift} days'"
        listed = f"listed_on - {shift}"
    else:
        new_id = f"'{prefix}.' || printf('%05d', s.rn)"
        published = f"datetime(published, '-{shift} days')"
        updated = f"datetime(updated, '-{shift} days')"
        listed = f"date(listed_on, '-{shift} days')"
    listed_columns = ", ".join(columns)
    # The real papers in order, each one's rows found through the table's own index on its
    # paper (CROSS JOIN fixes that order in SQLite), never a scan of a table that grows.
    source = f"FROM {_SOURCE} s CROSS JOIN {{table}} WHERE {{key}} = s.old AND s.rn <= {count}"
    if vendor == "postgresql":
        fts = (
            f"INSERT INTO papers_fts (paper_id, document) SELECT {base} + s.rn, f.document "
            f"{source.format(table='papers_fts f', key='f.paper_id')} ORDER BY s.rn"
        )
    else:
        fts = (
            "INSERT INTO papers_fts (rowid, title, abstract, authors) "
            f"SELECT {base} + s.rn, f.title, f.abstract, f.authors "
            f"{source.format(table='papers_fts f', key='f.rowid')} ORDER BY s.rn"
        )
    return [
        f"""INSERT INTO papers_paper (id, arxiv_id, published, updated, listed_on,
                upvote_count, comment_count, {listed_columns})
            SELECT {base} + s.rn, {new_id}, {published}, {updated}, {listed}, 0, 0,
                {listed_columns}
            {source.format(table="papers_paper p", key="p.id")} ORDER BY s.rn""",
        f"""INSERT INTO papers_paperauthor (paper_id, author_id, position, name)
            SELECT {base} + s.rn, pa.author_id, pa.position, pa.name
            {source.format(table="papers_paperauthor pa", key="pa.paper_id")}
            ORDER BY s.rn, pa.position""",
        f"""INSERT INTO papers_papercategory (paper_id, category, position)
            SELECT {base} + s.rn, pc.category, pc.position
            {source.format(table="papers_papercategory pc", key="pc.paper_id")}
            ORDER BY s.rn, pc.category""",
        *([fts] if fts_copy else []),
    ]


_COPIED_TABLES = ("papers_paper", "papers_paperauthor", "papers_papercategory")


def _drop_sqlite_indexes(cursor) -> list[str]:
    """Drop the copied tables' secondary indexes; return the SQL that recreates them.

    Inserting 2.7 M papers into ten indexes of millions of entries each costs a page read for
    most inserts; building each index once at the end is one sort. The UNIQUE constraints'
    own indexes (sqlite_autoindex_*) cannot be dropped and stay: the copies append to them.
    """
    names = ", ".join(f"'{table}'" for table in _COPIED_TABLES)
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({names}) ORDER BY name"
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes]


def _drop_postgres_indexes(cursor) -> list[str]:
    """PostgreSQL's counterpart: drop the copied tables' secondary indexes, their UNIQUE
    constraints and their foreign keys; return the SQL that recreates them.

    Each row copied into a live index costs a B-tree descent (and a split when it lands
    inside), and each foreign key checks its row with a look-up per row: at 2.7 M papers
    (13 M author rows) that is most of the build. Recreated at the end, an index is one sort
    and a foreign key one join. The primary keys stay (the copies append to them), and so does
    any UNIQUE constraint another table's foreign key rests on.
    """
    names = ", ".join(f"'{table}'" for table in _COPIED_TABLES)
    cursor.execute(
        "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid "
        f"WHERE t.relname IN ({names}) AND c.contype IN ('f', 'u') "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' "
        "AND r.conindid = c.conindid AND c.contype = 'u') "
        "ORDER BY c.contype DESC, c.conname"  # unique first on the way back, then the keys
    )
    constraints = cursor.fetchall()
    for name, table, _ in constraints:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        f"WHERE t.relname IN ({names}) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) "
        "ORDER BY i.relname"
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        for name, table, definition in constraints
    ]


def scale_up_in_process(target: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            # 1 GB of page cache for this one build process (the site's is 16 MB), and no
            # journal: a build that fails is deleted and rebuilt, never rolled back, and the
            # WAL would write every copied page twice.
            cursor.execute("PRAGMA cache_size=-1048576")
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("SELECT count(*), max(id) FROM papers_paper")
        have, max_real = cursor.fetchone()
        columns = _paper_columns(cursor, vendor)
        for statement in _source_statements(max_real):
            cursor.execute(statement)
        if vendor == "sqlite":
            recreate = _drop_sqlite_indexes(cursor)
        else:
            recreate = _drop_postgres_indexes(cursor)
            # The index builds at the end sort in memory rather than in temporary files.
            cursor.execute("SET maintenance_work_mem = '1GB'")
    real = have
    copy = 0
    fts_copy = target <= NO_COPY_ABOVE
    if not fts_copy:
        # The real papers' rows too (a copy holding some papers would answer wrongly).
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM papers_fts")
    base = max_real
    while have < target:
        copy += 1
        count = min(real, target - have)
        # Copy 1 -> 2701, copy 12 -> 2712, copy 13 -> 2801: months that no real id uses.
        prefix = f"{27 + (copy - 1) // 12}{(copy - 1) % 12 + 1:02d}"
        shift = (SHIFT_DAYS if target <= SIZES["1m"] else SHIFT_DAYS_LARGE) * copy
        statements = _copy_statements(
            vendor, prefix, shift, count, base, columns, fts_copy=fts_copy
        )
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        have += count
        base += count
        print(f"copy {copy}: {count} papers in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_SOURCE}")
        for statement in recreate:
            cursor.execute(statement)
        if vendor == "postgresql":
            # The copies chose their ids; the next paper written by the site must not.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('papers_paper', 'id'), max(id)) "
                "FROM papers_paper"
            )
            # VACUUM sets the copied pages' visibility bits (index-only scans, and no first
            # reader writing hint bits to every page), then the statistics.
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA journal_mode=WAL")
    print(
        f"indexes and statistics: {time.perf_counter() - started:.1f} s",
        flush=True,
    )
