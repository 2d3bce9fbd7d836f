"""Drop the single-column index on ``papers_paper.published``: ``paper_newest`` holds the same.

On SQLite the plain index is (published, rowid) and ``paper_newest`` (published DESC, id DESC)
with ``id`` the rowid: the same entries in the opposite order, which SQLite reads either way.
The planner picked the plain one for every range and order on ``published`` (the trending
window, the API's pages, the year filters, the admin's dates) and picks ``paper_newest`` for
each of them without it, with the same plan (``EXPLAIN QUERY PLAN`` on the 1 M catalogue's
schema and statistics, and a test). On PostgreSQL ``paper_newest`` also serves both. Every
imported paper wrote an entry into each.

The state change is an ``AlterField`` (``db_index`` off) but the database change is a plain
``DROP INDEX``: SQLite's ``AlterField`` would rebuild the whole table, hours at 1 M papers.
"""

from __future__ import annotations

from django.db import migrations, models


def _index_name(schema_editor) -> str:
    # The name Django gave it (``_create_index_name`` is what its schema editor used).
    return schema_editor._create_index_name("papers_paper", ["published"], suffix="")


def drop(apps, schema_editor) -> None:
    name = schema_editor.quote_name(_index_name(schema_editor))
    schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def create(apps, schema_editor) -> None:
    name = schema_editor.quote_name(_index_name(schema_editor))
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON papers_paper ("published")')


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0021_covering_card_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="paper",
                    name="published",
                    field=models.DateTimeField(),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        ),
    ]
