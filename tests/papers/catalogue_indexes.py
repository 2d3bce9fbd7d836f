"""The catalogue tables' indexes as the database defines them, to compare schemas."""

from __future__ import annotations

from django.db import connection


def index_definitions() -> dict[str, str | None]:
    """Name -> definition of every index of the ``papers_*`` tables (SQLite's automatic indexes
    of unique constraints have no SQL: None)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name LIKE 'papers\\_%' ESCAPE '\\'"
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename LIKE 'papers\\_%'"
            )
        return dict(cursor.fetchall())
