"""Code links and project pages of papers: the automatic scan and a person's own choice.

Nothing here raises on bad outside data: a hostile link is logged with its reason and skipped.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from paperfeed.papers.models import Paper
from paperfeed.trending import codelinks, selectors
from paperfeed.trending.services import repositories_sync

logger = logging.getLogger(__name__)


class CodeLinkRefused(Exception):
    """A code link a person entered that we cannot accept; the message says why."""


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
