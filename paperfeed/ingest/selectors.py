"""Reads of the catalogue and its imports for operators."""

from __future__ import annotations

from typing import Any

from paperfeed.ingest.models import IngestRun
from paperfeed.papers.models import Author, Featured, Paper


def site_stats() -> dict[str, Any]:
    """Counts for operators and scripts (`paperfeed stats --json`)."""
    last = (
        IngestRun.objects.order_by("-started_at").values("source", "status", "started_at").first()
    )
    return {
        "papers": Paper.objects.count(),
        "authors": Author.objects.count(),
        "featured": Featured.objects.count(),
        "featured_days": Featured.objects.values("day").distinct().count(),
        "ingest_runs": IngestRun.objects.count(),
        "last_ingest_run": (
            {**last, "started_at": last["started_at"].isoformat()} if last else None
        ),
    }
