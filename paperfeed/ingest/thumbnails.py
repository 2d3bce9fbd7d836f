"""First-page thumbnails: which papers need one, their PDF fetched politely from arXiv (one
request every 3 seconds, one connection: the ingest client), page 1 rendered in a child
process (``ingest/pdfpage.py``), the result stored through ``papers.services``.

Every paper tried is recorded (``papers.Thumbnail``), so nothing is fetched in a loop: a PDF
that is not a PDF, encrypted, too large or that breaks the renderer is never tried again; when
arXiv itself fails (unreachable, 5xx, 429) the paper is tried again later, a few times, and
the run stops there rather than press on against a struggling server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from paperfeed.ingest.fetchers import ARXIV_MIN_INTERVAL, FetchError, PoliteClient
from paperfeed.ingest.fetchers.client import host_is_arxiv
from paperfeed.ingest.pdfpage import RenderError, render_isolated
from paperfeed.papers.models import Featured, Paper, Thumbnail
from paperfeed.papers.services import thumbnail_fail, thumbnail_save
from paperfeed.papers.thumbnails import WIDTH

logger = logging.getLogger(__name__)

QUALITY = 70
# arXiv failing (not the PDF): tried again after 6 h, 12 h, 24 h, then given up.
RETRY_AFTER = timedelta(hours=6)
MAX_ATTEMPTS = 4

# (arxiv id, "done" or the reason it failed): one call per paper tried.
Progress = Callable[[str, str], None]


@dataclass(slots=True)
class ThumbnailRun:
    done: int = 0
    failed: int = 0
    # Why the run stopped before the end of its list ("" when it did not).
    stopped: str = ""
    failures: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.done} rendered, {self.failed} failed"
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


def papers_needing_thumbnails(
    *, limit: int, featured_only: bool = False, paper_ids: Sequence[int] | None = None
) -> list[Paper]:
    """Visible papers never tried, or whose last failure is due for another try: the most
    recently featured first, then the newest."""
    due = Q(thumbnail__isnull=True) | Q(
        thumbnail__state=Thumbnail.State.FAILED, thumbnail__retry_at__lte=timezone.now()
    )
    papers = Paper.objects.visible().filter(due)
    if paper_ids is not None:
        papers = papers.filter(pk__in=list(paper_ids))
    if featured_only:
        papers = papers.filter(pk__in=Featured.objects.listed().values("paper_id"))
    last_featured = (
        Featured.objects.listed().filter(paper=OuterRef("pk")).order_by("-day").values("day")[:1]
    )
    ordered = papers.annotate(last_featured=Subquery(last_featured)).order_by(
        F("last_featured").desc(nulls_last=True), "-published", "-id"
    )
    return list(ordered.only("id", "arxiv_id")[: max(0, limit)])


def pdf_client() -> PoliteClient:
    """The polite client for arXiv's PDFs: never more than one request every 3 s there."""
    interval = settings.ARXIV_REQUEST_INTERVAL
    if host_is_arxiv(settings.ARXIV_PDF_URL):
        interval = max(interval, ARXIV_MIN_INTERVAL)
    return PoliteClient(
        contact=settings.PAPERFEED_CONTACT_EMAIL,
        min_interval=interval,
        max_retries=settings.PAPERFEED_FETCH_RETRIES,
        max_bytes=settings.PAPERFEED_THUMBNAIL_MAX_BYTES,
    )


def thumbnails_build(
    *,
    limit: int,
    featured_only: bool = False,
    paper_ids: Sequence[int] | None = None,
    client: PoliteClient | None = None,
    progress: Progress | None = None,
) -> ThumbnailRun:
    """Render up to ``limit`` missing thumbnails (of ``paper_ids`` only, when given)."""
    run = ThumbnailRun()
    papers = papers_needing_thumbnails(
        limit=limit, featured_only=featured_only, paper_ids=paper_ids
    )
    if not papers:
        return run
    own_client = client is None
    http = pdf_client() if client is None else client
    try:
        for paper in papers:
            outcome = _thumbnail_make(paper, http, run)
            if progress is not None:
                progress(paper.arxiv_id, outcome)
            if run.stopped:
                break
    finally:
        if own_client:
            http.close()
    return run


def _thumbnail_make(paper: Paper, http: PoliteClient, run: ThumbnailRun) -> str:
    """Fetch, render and store one paper's thumbnail; what happened, in a few words."""
    url = f"{settings.ARXIV_PDF_URL.rstrip('/')}/{paper.arxiv_id}"
    try:
        pdf = http.get(url).content
    except FetchError as exc:
        # No status (connection, timeout), 429 or 5xx: arXiv's trouble, not the paper's.
        if exc.status is None or exc.status == 429 or exc.status >= 500:
            return _failed(paper, run, f"arXiv: {exc}", transient=True)
        return _failed(paper, run, str(exc), transient=False)
    try:
        rendered = render_isolated(pdf, width=WIDTH, quality=QUALITY)
    except RenderError as exc:
        return _failed(paper, run, str(exc), transient=False)
    thumbnail_save(paper=paper, image=rendered.image, width=rendered.width, height=rendered.height)
    run.done += 1
    return "done"


def _failed(paper: Paper, run: ThumbnailRun, reason: str, *, transient: bool) -> str:
    retry_at = None
    if transient:
        attempts = (
            Thumbnail.objects.filter(paper=paper, state=Thumbnail.State.FAILED)
            .values_list("attempts", flat=True)
            .first()
            or 0
        ) + 1
        if attempts < MAX_ATTEMPTS:
            retry_at = timezone.now() + RETRY_AFTER * 2 ** (attempts - 1)
        run.stopped = reason
    thumbnail_fail(paper=paper, reason=reason, retry_at=retry_at)
    run.failed += 1
    run.failures.append((paper.arxiv_id, reason))
    logger.info("no thumbnail for %s: %s", paper.arxiv_id, reason)
    return reason
