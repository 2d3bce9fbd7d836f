"""Writes of the trending app: upvote snapshots and code links.

Star history lives in :mod:`.stars`, the stored scores in :mod:`.scores`. Nothing here raises on
bad outside data: a hostile link is logged with its reason and the job goes on.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from paperfeed.papers.models import Paper
from paperfeed.trending import codelinks, selectors
from paperfeed.trending.models import UpvoteSnapshot
from paperfeed.trending.stars import repositories_sync

logger = logging.getLogger(__name__)


class CodeLinkRefused(Exception):
    """A code link a person entered that we cannot accept; the message says why."""


# --- Upvote snapshots ------------------------------------------------------------------------


def upvotes_record_snapshot(
    *, paper_ids_and_counts: Iterable[tuple[int, int]], taken_at: datetime, source: str
) -> int:
    """Store each paper's upvote count at ``source`` at ``taken_at``; returns rows written.

    A snapshot already stored for the same paper, source and moment is kept as it is.
    """
    rows = [
        UpvoteSnapshot(
            paper_id=paper_id, taken_at=taken_at, count=max(int(count), 0), source=source
        )
        for paper_id, count in paper_ids_and_counts
        if paper_id is not None
    ]
    if not rows:
        return 0
    UpvoteSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def upvote_snapshot_time(*, record_source: str, day: date, now: datetime) -> datetime:
    """When an imported count was true: scrapes ran at about 00:00 UTC of their day; a live HF
    import saw the count now, or by the end of the featured day for a past day."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if record_source == "hf_scrape":
        return start
    return min(now, start + timedelta(days=1))


def upvotes_record_featured(*, entries: Iterable[tuple[int | None, str, date, int]]) -> int:
    """Hook for the importer: (paper id, record source, featured day, upvotes) per record."""
    now = timezone.now()
    groups: dict[tuple[datetime, str], list[tuple[int, int]]] = {}
    for paper_id, record_source, day, upvotes in entries:
        if paper_id is None:
            continue
        source = "hf" if record_source.startswith("hf") else record_source
        when = upvote_snapshot_time(record_source=record_source, day=day, now=now)
        groups.setdefault((when, source), []).append((paper_id, upvotes))
    return sum(
        upvotes_record_snapshot(paper_ids_and_counts=items, taken_at=when, source=source)
        for (when, source), items in groups.items()
    )


# --- Code links --------------------------------------------------------------------------------


@dataclass
class ScanSummary:
    scanned: int = 0
    linked: int = 0
    refused: Counter[str] = field(default_factory=Counter)


_CODE_HOST_WORDS = ("github", "gitlab", "codeberg", "huggingface.co/spaces", "hf.co/spaces")


def code_links_scan(*, batch_size: int = 2000) -> ScanSummary:
    """Find repository links in abstracts and comments of papers that have none yet.

    Sets ``code_url`` with provenance ``auto``; a link a person set or cleared (``user``) is
    never touched. Refused candidates (hostile schemes, look-alike hosts, junk) are logged.
    """
    summary = ScanSummary()
    mentions = Q()
    for word in _CODE_HOST_WORDS:
        mentions |= Q(abstract__icontains=word) | Q(comments__icontains=word)
    candidates = (
        Paper.objects.filter(code_url="")
        .exclude(code_url_source=Paper.CodeUrlSource.USER)
        .filter(mentions)
        .values_list("id", "abstract", "comments")
    )
    updates: list[Paper] = []
    for paper_id, abstract, comments in candidates.iterator(chunk_size=batch_size):
        summary.scanned += 1
        links: list[codelinks.CodeLink] = []
        for text in (abstract, comments):
            found, refused = codelinks.extract_code_links(text)
            links.extend(found)
            for item in refused:
                summary.refused[re.sub(r"'[^']*'", "…", item.reason)] += 1
                logger.info("paper %s: link %r skipped: %s", paper_id, item.text, item.reason)
        link = next((lk for lk in links if lk.host == "github.com"), links[0] if links else None)
        if link is None:
            continue
        updates.append(
            Paper(id=paper_id, code_url=link.url, code_url_source=Paper.CodeUrlSource.AUTO)
        )
    if updates:
        with transaction.atomic():
            # Re-check inside the write: a person may have set a link while we scanned.
            user_set = set(
                Paper.objects.filter(
                    pk__in=[p.pk for p in updates], code_url_source=Paper.CodeUrlSource.USER
                ).values_list("pk", flat=True)
            )
            updates = [p for p in updates if p.pk not in user_set]
            Paper.objects.bulk_update(updates, ["code_url", "code_url_source"], batch_size=500)
        summary.linked = len(updates)
    logger.info(
        "code link scan: %d papers read, %d linked, refused: %s",
        summary.scanned,
        summary.linked,
        dict(summary.refused) or "none",
    )
    return summary


def paper_code_link_set(*, paper: Paper, user: Any, url: str) -> Paper:
    """Set, change or clear (``url`` empty) a paper's code link as a person; it then wins over
    anything found automatically. Raises CodeLinkRefused with a message for the person."""
    if not selectors.can_edit_code_link(user=user, paper=paper):
        raise CodeLinkRefused(
            "Only the paper's authors, whoever submitted it and curators can change its code link."
        )
    url = (url or "").strip()
    if not url:
        code_url = ""
    else:
        outcome = codelinks.normalise_repo_url(url)
        if isinstance(outcome, codelinks.Refused):
            raise CodeLinkRefused(
                "That is not a repository link we accept "
                f"(GitHub, GitLab, Codeberg or a Hugging Face Space): {outcome.reason}."
            )
        code_url = outcome.url
        repositories_sync(keys=[outcome.key])
    Paper.objects.filter(pk=paper.pk).update(
        code_url=code_url,
        code_url_source=Paper.CodeUrlSource.USER,
        code_stars=None,
        updated_at=timezone.now(),
    )
    logger.info("paper %s: code link set to %r by user %s", paper.arxiv_id, code_url, user.pk)
    paper.refresh_from_db()
    return paper


# --- Upvote snapshots imported earlier ----------------------------------------------------


def upvote_snapshots_from_featured() -> int:
    """Backfill upvote snapshots from featured rows imported before snapshots existed."""
    from paperfeed.papers.models import Featured

    rows = [
        UpvoteSnapshot(
            paper_id=paper_id,
            taken_at=datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1),
            count=upvotes,
            source="hf",
        )
        for paper_id, day, upvotes in Featured.objects.filter(
            source=Featured.Source.HF_DAILY
        ).values_list("paper_id", "day", "upvotes")
    ]
    UpvoteSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)
