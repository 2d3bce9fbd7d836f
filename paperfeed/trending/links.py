"""Code links and project pages of papers: the automatic scan and a person's own choice.

Nothing here raises on bad outside data: a hostile link is logged with its reason and skipped.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Q

from paperfeed.papers import codelinks
from paperfeed.papers.models import Featured, Paper
from paperfeed.papers.services import paper_code_link_user_set, papers_links_found
from paperfeed.trending import linkchoice, selectors
from paperfeed.trending.codestars import code_stars_sync_papers
from paperfeed.trending.stars import repositories_sync

logger = logging.getLogger(__name__)


class CodeLinkRefused(Exception):
    """A code link a person entered that we cannot accept; the message says why."""


# --- Code links --------------------------------------------------------------------------------


@dataclass
class ScanSummary:
    scanned: int = 0
    linked: int = 0  # code links set or changed
    dropped: int = 0  # automatic code links the rule no longer accepts
    pages: int = 0  # project pages set
    refused: Counter[str] = field(default_factory=Counter)
    # The first few refused links as they were written, for the one summary line.
    examples: list[str] = field(default_factory=list)
    # Repositories of the code links the rule chose, changed or not (for Repository rows).
    keys: set[str] = field(default_factory=set)


_CODE_HOST_WORDS = ("github", "gitlab", "codeberg", "huggingface.co/spaces", "hf.co/spaces")
_PAGE_HINTS = ("github.io", "project page", "project website", "homepage", "home page")
# Sources whose stored code link is the source naming the paper's code (HF githubRepo, the
# repository link of an HF page); other stored automatic links came from a scan of the text.
_NAMING_SOURCES = ("hf_daily", "hf_scrape")
_IN_CHUNK = 500
_EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class _Known:
    """What the rule reads of one paper."""

    paper_id: int
    title: str
    abstract: str
    comments: str
    code_url: str
    code_url_source: str
    project_page: str
    sources: list[str]


def _decide(known: _Known, hf_comments: list[str], summary: ScanSummary) -> dict[str, Any] | None:
    """The changes the rule makes to one paper, or None."""
    named = known.code_url_source == Paper.CodeUrlSource.AUTO and any(
        source in _NAMING_SOURCES for source in known.sources or []
    )
    choice = linkchoice.choose_links(
        title=known.title,
        source_code=[known.code_url] if named and known.code_url else [],
        source_page=known.project_page,
        abstract=known.abstract,
        comments=[known.comments, *hf_comments],
    )
    for item in choice.refused:
        summary.refused[re.sub(r"'[^']*'", "…", item.reason)] += 1
        if len(summary.examples) < _EXAMPLES:
            summary.examples.append(f"paper {known.paper_id}: {item.text!r}")
        # Most papers carry a link that is not their code (a dataset, a baseline): one line
        # each would drown the log, so the summary counts them and this is for debugging.
        logger.debug("paper %s: link %r skipped: %s", known.paper_id, item.text, item.reason)
    changes: dict[str, Any] = {}
    if known.code_url_source != Paper.CodeUrlSource.USER:
        if choice.code is not None:
            summary.keys.add(choice.code.key)
        url = choice.code.url if choice.code else ""
        if url != known.code_url:
            changes.update(code_url=url, code_url_source=Paper.CodeUrlSource.AUTO if url else "")
            if codelinks.repo_key(url) != codelinks.repo_key(known.code_url):
                # The stars an HF import gave belong to the repository it named.
                changes["code_stars"] = None
            if url:
                summary.linked += 1
            else:
                summary.dropped += 1
    if choice.project_page and choice.project_page != known.project_page:
        changes["project_page"] = choice.project_page
        summary.pages += 1
    return changes or None


def _find(paper_ids: list[int], summary: ScanSummary) -> int:
    columns = [f.name for f in fields(_Known)]
    columns[0] = "id"
    changed: dict[int, dict[str, Any]] = {}
    for start in range(0, len(paper_ids), _IN_CHUNK):
        chunk = paper_ids[start : start + _IN_CHUNK]
        hf_comments: dict[int, list[str]] = {}
        for paper_id, comment in (
            Featured.objects.filter(paper_id__in=chunk, source=Featured.Source.HF_DAILY)
            .exclude(comment="")
            .values_list("paper_id", "comment")
        ):
            hf_comments.setdefault(paper_id, []).append(comment)
        for row in Paper.objects.filter(pk__in=chunk).values_list(*columns):
            known = _Known(*row)
            summary.scanned += 1
            changes = _decide(known, hf_comments.get(known.paper_id, []), summary)
            if changes:
                changed[known.paper_id] = changes
    if summary.keys:
        repositories_sync(keys=summary.keys)
        summary.keys.clear()
    if not changed:
        return 0
    # papers re-checks inside the write: a person may have set a link while we read.
    papers_links_found(changes=changed)
    return len(changed)


def code_links_find(*, paper_ids: list[int]) -> int:
    """Apply the code-link and project-page rule to these papers (just imported or changed);
    returns how many papers changed. A link a person set or cleared is never touched. Their
    star counts then follow their repositories' (an import stores the count its source gave)."""
    summary = ScanSummary()
    changed = _find(sorted(set(paper_ids)), summary)
    if summary.scanned:
        _log_summary("code links of imported papers", summary, changed)
    code_stars_sync_papers(paper_ids=paper_ids)
    return changed


def _log_summary(what: str, summary: ScanSummary, changed: int) -> None:
    """The one log line of a pass: counts, refusals by reason, a few refused links."""
    logger.info(
        "%s: %d papers read, %d changed (%d linked, %d dropped, %d project pages), refused: %s%s",
        what,
        summary.scanned,
        changed,
        summary.linked,
        summary.dropped,
        summary.pages,
        dict(summary.refused) or "none",
        f" (e.g. {'; '.join(summary.examples)})" if summary.examples else "",
    )


def code_links_scan(*, batch_size: int = 2000, every: bool = False) -> ScanSummary:
    """The daily pass: papers whose text mentions a code host or a project page and that have
    no code link or no project page yet (``every``: all such papers, to re-apply the rule to
    links found before it). Same rule as at import."""
    summary = ScanSummary()
    mentions = Q(
        pk__in=Featured.objects.filter(source=Featured.Source.HF_DAILY, comment__gt="").values(
            "paper_id"
        )
    )
    for word in _CODE_HOST_WORDS + _PAGE_HINTS:
        mentions |= Q(abstract__icontains=word) | Q(comments__icontains=word)
    if every:
        candidates = Paper.objects.filter(mentions | ~Q(code_url=""))
    else:
        candidates = Paper.objects.filter(mentions).filter(Q(code_url="") | Q(project_page=""))
    ids = list(candidates.order_by("id").values_list("id", flat=True))
    changed = 0
    for start in range(0, len(ids), batch_size):
        changed += _find(ids[start : start + batch_size], summary)
    _log_summary("code link scan", summary, changed)
    return summary


def paper_code_link_set(*, paper: Paper, user: Any, url: str) -> Paper:
    """Set, change or clear (``url`` empty) a paper's code link as a person; it then wins over
    anything found automatically. Raises CodeLinkRefused with a message for the person."""
    if not selectors.can_edit_code_link(user=user, paper_id=paper.pk):
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
    paper_code_link_user_set(paper_id=paper.pk, url=code_url)
    logger.info("paper %s: code link set to %r by user %s", paper.arxiv_id, code_url, user.pk)
    paper.refresh_from_db()
    return paper
