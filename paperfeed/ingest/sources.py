"""One import service per source: read files or fetch from arXiv and Hugging Face, parse, and
hand the records to :func:`~paperfeed.ingest.services.ingest_run`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from paperfeed.ingest.models import IngestRun
from paperfeed.ingest.parse_process import batches_in_process
from paperfeed.ingest.parsers.detect import (
    detect_format,
    iter_checked_records,
    iter_files_records,
)
from paperfeed.ingest.services import (
    BATCH_SIZE,
    FIRST_BATCH_SIZE,
    Item,
    ProgressCallback,
    ingest_run,
)
from paperfeed.papers.models import INCOMPLETE, Paper
from paperfeed.papers.services import papers_mark_checked

# The fetchers (and httpx, ~0.2 s of CPU to import) are imported by the functions that fetch:
# a file import, and every process that only imports this module, never needs them.
if TYPE_CHECKING:
    from paperfeed.ingest.fetchers import PoliteClient


def _client(*, min_interval: float) -> PoliteClient:
    """A polite client; the arXiv fetchers refuse one spaced under 3 s for arxiv.org hosts."""
    from paperfeed.ingest.fetchers import PoliteClient

    return PoliteClient(
        contact=settings.PAPERFEED_CONTACT_EMAIL,
        min_interval=min_interval,
        max_retries=settings.PAPERFEED_FETCH_RETRIES,
    )


def papers_import_files(
    *,
    paths: Sequence[str],
    fmt: str | None = None,
    categories: set[str] | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    parse_process: bool | None = None,
) -> IngestRun:
    """Import local files or folders in any supported format (detected unless ``fmt``).

    ``parse_process``: parse in a second process (:mod:`paperfeed.ingest.parse_process`) while
    this one writes. By default, when ``PAPERFEED_IMPORT_PARSE_PROCESS`` is on and the inputs
    hold at least ``PARSE_PROCESS_MIN_BYTES``.
    """

    resolved = [Path(p) for p in paths]
    formats = [fmt or detect_format(path) for path in resolved]
    if parse_process is None:
        parse_process = (
            settings.PAPERFEED_IMPORT_PARSE_PROCESS
            and _input_bytes(resolved) >= PARSE_PROCESS_MIN_BYTES
        )
    arguments = (resolved, formats, categories, limit)
    source = formats[0] if len(set(formats)) == 1 else "files"
    return ingest_run(
        source=source,
        items=None if parse_process else iter_files_records(*arguments),
        pages=_pages_in_process(arguments) if parse_process else None,
        checked=parse_process,
        parameters={
            "paths": [str(p) for p in resolved],
            "formats": formats,
            "categories": sorted(categories or []),
            "limit": limit,
        },
        dry_run=dry_run,
        progress=progress,
    )


# Below this much input, starting a second Python (~0.2 s of CPU, spent in the child) is not
# worth it: about what parsing 5,000 records costs.
PARSE_PROCESS_MIN_BYTES = 1024 * 1024


def _input_bytes(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        files = path.iterdir() if path.is_dir() else [path]
        total += sum(file.stat().st_size for file in files if file.is_file())
    return total


def _pages_in_process(
    arguments: tuple[list[Path], list[str], set[str] | None, int | None],
) -> Iterator[tuple[list[Item], str]]:
    batches = batches_in_process(
        iter_checked_records, arguments, size=BATCH_SIZE, first_size=FIRST_BATCH_SIZE
    )
    try:
        for batch in batches:
            yield batch, ""
    finally:
        batches.close()  # ends the parsing process when the import stops early


def papers_import_arxiv(
    *,
    categories: Sequence[str],
    submitted_from: date,
    submitted_until: date,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Query the arXiv API by category and submission date, one request every 3 s."""

    def pages() -> Iterator[tuple[list[Item], str]]:
        from paperfeed.ingest.fetchers import ArxivApiFetcher

        with _client(min_interval=settings.ARXIV_REQUEST_INTERVAL) as client:
            fetcher = ArxivApiFetcher(client, base_url=settings.ARXIV_API_URL)
            for page in fetcher.iter_pages(
                categories=list(categories),
                submitted_from=submitted_from,
                submitted_until=submitted_until,
            ):
                yield list(page.records), str(page.start_index + len(page.records))

    return ingest_run(
        source="arxiv_api",
        pages=pages(),
        parameters={
            "categories": list(categories),
            "from": submitted_from.isoformat(),
            "until": submitted_until.isoformat(),
        },
        dry_run=dry_run,
        progress=progress,
    )


# Ids per arXiv API request (id_list): one short URL and a small answer each.
FETCH_IDS_BATCH = 100


def papers_fetch_by_ids(
    *,
    arxiv_ids: Sequence[str],
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Fetch specific papers from the arXiv API: a submission not yet catalogued, or papers
    imported without an abstract. ``FETCH_IDS_BATCH`` ids a request, one request every 3 s."""

    ids = list(arxiv_ids)

    def pages() -> Iterator[tuple[list[Item], str]]:
        from paperfeed.ingest.fetchers import ArxivApiFetcher

        with _client(min_interval=settings.ARXIV_REQUEST_INTERVAL) as client:
            fetcher = ArxivApiFetcher(client, base_url=settings.ARXIV_API_URL)
            for start in range(0, len(ids), FETCH_IDS_BATCH):
                batch = ids[start : start + FETCH_IDS_BATCH]
                yield list(fetcher.fetch_ids(batch).records), batch[-1]

    return ingest_run(
        source="arxiv_api",
        pages=pages(),
        parameters={"ids": ids},
        dry_run=dry_run,
        progress=progress,
    )


def papers_complete(
    *, limit: int, dry_run: bool = False, progress: ProgressCallback | None = None
) -> IngestRun | None:
    """Ask the arXiv API for the papers the catalogue holds without arXiv's abstract.

    HF listings and scrapes name papers by id and title only; until arXiv fills them in, their
    pages show no abstract, similar papers have nothing to compare, and search ranks them
    oddly (a short text looks like a close match). Papers whose abstract came from an HF page
    are asked too, so that arXiv's replaces it. The newest ``limit`` such papers are asked
    for (:func:`papers_fetch_by_ids`). Each paper is asked once (``Paper.arxiv_checked_at``),
    so one arXiv does not know is not asked again. None when there is nothing to ask.
    """

    ids = list(_due_for_completion().values_list("arxiv_id", flat=True)[: max(limit, 0)])
    if not ids:
        return None
    run = papers_fetch_by_ids(arxiv_ids=ids, dry_run=dry_run, progress=progress)
    if not dry_run:
        # Only after the whole run: if a request fails, the papers it did not reach stay due.
        papers_mark_checked(arxiv_ids=ids)
    return run


def _due_for_completion() -> Any:
    """The papers :func:`papers_complete` asks arXiv for, newest first."""
    return (
        Paper.objects.visible()
        .filter(INCOMPLETE, arxiv_checked_at__isnull=True)
        .order_by("-published", "-id")
    )


def papers_complete_count(*, limit: int) -> int:
    """How many papers the next :func:`papers_complete` with this ``limit`` asks for (the
    progress bar's total)."""
    return _due_for_completion()[: max(limit, 0)].count()


def papers_harvest_oai(
    *,
    metadata_prefix: str = "arXivRaw",
    set_spec: str | None = None,
    date_from: date | None = None,
    date_until: date | None = None,
    resume: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Harvest OAI-PMH ListRecords, checkpointing the resumption token after each page.

    With ``resume``, the newest unfinished harvest with the same parameters carries on from
    its last committed token instead of starting over.
    """

    parameters = {
        "metadata_prefix": metadata_prefix,
        "set": set_spec,
        "from": date_from.isoformat() if date_from else None,
        "until": date_until.isoformat() if date_until else None,
    }
    token = None
    if resume:
        same_harvest = {f"parameters__{key}": value for key, value in parameters.items()}
        unfinished = (
            IngestRun.objects.filter(source="oai_pmh", **same_harvest)
            .exclude(status__in=[IngestRun.Status.SUCCEEDED, IngestRun.Status.DRY_RUN])
            .exclude(cursor="")
            .order_by("-started_at")
            .first()
        )
        token = unfinished.cursor if unfinished else None

    def pages() -> Iterator[tuple[list[Item], str]]:
        from paperfeed.ingest.fetchers import OaiFetcher

        with _client(min_interval=settings.ARXIV_REQUEST_INTERVAL) as client:
            fetcher = OaiFetcher(client, base_url=settings.ARXIV_OAI_URL)
            for page in fetcher.iter_pages(
                metadata_prefix=metadata_prefix,  # type: ignore[arg-type]
                set_spec=set_spec,
                date_from=date_from,
                date_until=date_until,
                resumption_token=token,
            ):
                yield list(page.records), page.resumption_token or ""

    return ingest_run(
        source="oai_pmh",
        pages=pages(),
        parameters={**parameters, "resumed_from": token},
        dry_run=dry_run,
        progress=progress,
    )


def papers_import_hf_daily(
    *,
    days: Sequence[date],
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestRun:
    """Import the Hugging Face daily papers list of each day: papers, featured day, upvotes."""

    def pages() -> Iterator[tuple[list[Item], str]]:
        from paperfeed.ingest.fetchers import HfDailyFetcher

        with _client(min_interval=settings.HF_REQUEST_INTERVAL) as client:
            fetcher = HfDailyFetcher(client, base_url=settings.HF_API_URL)
            for day in days:
                yield fetcher.records_for_day(day), day.isoformat()

    return ingest_run(
        source="hf_daily",
        pages=pages(),
        parameters={"days": [day.isoformat() for day in days]},
        dry_run=dry_run,
        progress=progress,
    )
