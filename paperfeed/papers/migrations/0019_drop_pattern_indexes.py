"""Drop the ``varchar_pattern_ops`` indexes Django adds on PostgreSQL beside the plain ones.

Django gives every indexed or unique ``CharField`` a second btree (``<name>_like``) so that
``LIKE 'x%'`` / ``startswith`` can use an index. No query reads these three columns by a
pattern (only ``=`` and ``IN``, which the unique or plain index serves; a test reads the plans),
yet every imported paper and author wrote an entry into each: three of the paper and author
tables' index writes for nothing. SQLite has no such indexes, so this does nothing there.
"""

from __future__ import annotations

from django.db import migrations

# (table, column) whose pattern index goes; the plain or unique index on each stays.
PATTERN_INDEXED = (
    ("papers_paper", "arxiv_id"),
    ("papers_paper", "primary_category"),
    ("papers_author", "key"),
)


def _pattern_index(schema_editor, table: str, column: str) -> str:
    # The name Django gave it (``_create_index_name`` is what its schema editor used).
    return schema_editor._create_index_name(table, [column], suffix="_like")


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in PATTERN_INDEXED:
        name = _pattern_index(schema_editor, table, column)
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in PATTERN_INDEXED:
        name = _pattern_index(schema_editor, table, column)
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON {table} ({column} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0018_paperglance_version"),
    ]

    operations = [migrations.RunPython(drop, create, elidable=False)]
