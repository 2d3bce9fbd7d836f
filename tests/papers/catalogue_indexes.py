"""The catalogue tables' indexes as the database defines them, to compare schemas."""

from __future__ import annotations

import socket

from django.db import connection
from django.utils import timezone

from paperfeed.ingest.models import IngestRun
from paperfeed.papers import bulk_indexes


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


def indexes_aside_by_a_run(*, pid: int) -> IngestRun:
    """What a first load leaves while it runs (``pid`` alive) or once killed (``pid`` gone):
    its secondary indexes set aside and its run still "running"."""
    bulk_indexes.drop()
    return IngestRun.objects.create(
        source="listing",
        status=IngestRun.Status.RUNNING,
        host=socket.gethostname(),
        pid=pid,
        beat_at=timezone.now(),
    )
