"""On PostgreSQL, the unique indexes a card reads its authors and categories through carry the
columns it reads, so the read is an index-only scan that never visits the table.

A search page reads the authors and categories of 20 papers any query may pick among a million:
each paper's rows cost a leaf page of the ``(paper, position)`` / ``(paper, category)`` index
and then a table page, both cold. With ``INCLUDE`` the leaf holds them and the table page is
skipped (PostgreSQL reads it only for rows changed since the last vacuum). The constraints keep
their names and keys, so uniqueness and ``ON CONFLICT`` work as before. SQLite has no
``INCLUDE`` (a Django ``UniqueConstraint(include=...)`` would create no constraint at all
there), so this does nothing on SQLite, and the model states stay as they were.
"""

from __future__ import annotations

from django.db import migrations

# (table, constraint, key columns, columns the card reads beside them)
COVERED = (
    ("papers_paperauthor", "paperauthor_position", "paper_id, position", "author_id, name"),
    ("papers_papercategory", "papercategory_unique", "paper_id, category", "position"),
)


def _rebuild(schema_editor, *, covering: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, key, included in COVERED:
        include = f" INCLUDE ({included})" if covering else ""
        schema_editor.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {name}, "
            f"ADD CONSTRAINT {name} UNIQUE ({key}){include}"
        )


def cover(apps, schema_editor) -> None:
    _rebuild(schema_editor, covering=True)


def uncover(apps, schema_editor) -> None:
    _rebuild(schema_editor, covering=False)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0020_link_checks_by_statement"),
    ]

    operations = [migrations.RunPython(cover, uncover, elidable=False)]
