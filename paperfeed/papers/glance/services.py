"""Writes of papers at a glance: keywords and the abstract's summary for the catalogue, and the
optional AI-written sentence, rate-limited and budgeted per day."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from paperfeed.papers.glance.compute import GLANCE_VERSION, Glance, GlancePool, processes_default
from paperfeed.papers.glance.llm import (
    LlmBadAnswer,
    LlmEndpoint,
    LlmUnavailable,
    summary_write,
)
from paperfeed.papers.glance.models import PaperGlance, SummaryBudget
from paperfeed.papers.models import STUB, Paper

logger = logging.getLogger(__name__)

BATCH = 2000
# A paper whose answers were unusable this many times is not asked about again (until its
# abstract changes).
AI_MAX_ATTEMPTS = 3
# After the service failed to answer, a paper is not asked about again for this long.
AI_RETRY_AFTER = timedelta(hours=1)


@dataclass
class GlanceBuild:
    papers: int = 0
    with_keywords: int = 0
    with_summary: int = 0
    seconds: float = 0.0
    processes: int = 1

    @property
    def per_second(self) -> float:
        return self.papers / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "per_second": round(self.per_second, 1)}


def _pending(*, full: bool, paper_ids: list[int] | None) -> list[int]:
    papers = Paper.objects.all()
    if paper_ids is not None:
        papers = papers.filter(pk__in=paper_ids)
    if not full:
        # New papers, papers written (a new version, an abstract completed) since, and papers
        # whose glance an older extractor made. "Older", not "other": during a rolling
        # upgrade the old code must not recompute what the new code has just written.
        papers = papers.filter(
            Q(glance__isnull=True)
            | Q(glance__computed_at__lt=F("updated_at"))
            | Q(glance__version__lt=GLANCE_VERSION)
        )
    return list(papers.order_by("-published", "-id").values_list("pk", flat=True))


def _glances_upsert(glances: list[Glance], *, now: datetime) -> None:
    """Insert or replace the computed part of each paper's glance in one statement run over
    all rows: the ORM's bulk upsert built a model instance and its SQL a row, about a tenth of
    a whole build. The AI columns of a new row get their defaults; an old row keeps them."""
    if not glances:
        return
    meta = PaperGlance._meta
    quote = connection.ops.quote_name
    keywords = meta.get_field("keywords")
    defaults = {
        field.column: field.get_db_prep_save(field.get_default(), connection)
        for field in meta.concrete_fields
        if field.column not in _COMPUTED
    }
    columns = [*_COMPUTED, *defaults]
    stamp = meta.get_field("computed_at").get_db_prep_save(now, connection)
    rest = list(defaults.values())
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608 - own table
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({quote('paper_id')}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _COMPUTED[1:])
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [
                    paper_id,
                    keywords.get_db_prep_save(words, connection),
                    summary,
                    key,
                    stamp,
                    GLANCE_VERSION,
                    *rest,
                ]
                for paper_id, words, summary, key in glances
            ],
        )


# The columns a build writes, the key first.
_COMPUTED = ("paper_id", "keywords", "summary", "text_key", "computed_at", "version")


def glances_build(
    *,
    full: bool = False,
    paper_ids: list[int] | None = None,
    processes: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> GlanceBuild:
    """Compute keywords and the abstract's summary of the papers that need them (every paper
    with ``full``), newest first, in committed batches; resumable: a stopped build leaves
    done what it committed."""
    ids = _pending(full=full, paper_ids=paper_ids)
    if on_total:
        on_total(len(ids))
    result = GlanceBuild(processes=processes or processes_default())
    started = time.monotonic()
    with GlancePool(result.processes if len(ids) > BATCH // 4 else 1) as pool:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            items = list(Paper.objects.filter(pk__in=chunk).values_list("pk", "title", "abstract"))
            glances = list(pool.compute(items))
            with transaction.atomic():
                _glances_upsert(glances, now=timezone.now())
            result.papers += len(glances)
            result.with_keywords += sum(1 for glance in glances if glance[1])
            result.with_summary += sum(1 for glance in glances if glance[2])
            if progress:
                progress(len(glances))
    result.seconds = time.monotonic() - started
    return result


# --- The AI-written sentence --------------------------------------------------------------


def ai_configured() -> bool:
    return bool(settings.PAPERFEED_LLM_URL and settings.PAPERFEED_LLM_MODEL)


def ai_budget_claim(*, now: datetime | None = None) -> bool:
    """Take one request from today's budget (UTC); False when it is spent."""
    day = (now or timezone.now()).astimezone(UTC).date()
    SummaryBudget.objects.get_or_create(day=day)
    return bool(
        SummaryBudget.objects.filter(
            day=day, requests__lt=settings.PAPERFEED_LLM_DAILY_BUDGET
        ).update(requests=F("requests") + 1)
    )


def ai_budget_used(*, now: datetime | None = None) -> int:
    day = (now or timezone.now()).astimezone(UTC).date()
    return SummaryBudget.objects.filter(day=day).values_list("requests", flat=True).first() or 0


def ai_pending(*, now: datetime | None = None) -> list[PaperGlance]:
    """The visible papers with an abstract whose AI sentence is missing or was written for an
    older text, newest first; minus those answered badly too often, or asked too recently."""
    now = now or timezone.now()
    return list(
        PaperGlance.objects.filter(paper__hidden=False)
        .exclude(paper__abstract="")
        .exclude(Q(paper__published_is_estimate=True) & Q(paper__listed_on__isnull=True))
        .exclude(ai_text_key=F("text_key"), ai_state=PaperGlance.AiState.DONE)
        .exclude(ai_text_key=F("text_key"), ai_attempts__gte=AI_MAX_ATTEMPTS)
        .filter(
            Q(ai_attempted_at__isnull=True)
            | Q(ai_attempted_at__lt=now - AI_RETRY_AFTER)
            # A sentence written for an older abstract: the new one is asked for at once.
            | (Q(ai_state=PaperGlance.AiState.DONE) & ~Q(ai_text_key=F("text_key")))
        )
        .select_related("paper")
        .order_by("-paper__published", "-paper_id")[: settings.PAPERFEED_LLM_PER_RUN]
    )


@dataclass
class AiRun:
    written: int = 0
    refused: int = 0
    stopped: str = ""
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def summaries_ai_write(
    *,
    sleep: Callable[[float], None] = time.sleep,
    client: httpx.Client | None = None,
) -> AiRun:
    """Ask the language model for the sentences still missing, one request at a time at
    ``PAPERFEED_LLM_PER_MINUTE``, within today's budget. A service fault ends the run (the
    papers are asked again later); a bad answer is recorded and the run goes on."""
    run = AiRun()
    if not ai_configured():
        run.stopped = "not configured"
        return run
    endpoint = LlmEndpoint(
        url=settings.PAPERFEED_LLM_URL,
        model=settings.PAPERFEED_LLM_MODEL,
        api_key=settings.PAPERFEED_LLM_API_KEY,
        timeout=settings.PAPERFEED_LLM_TIMEOUT,
    )
    spacing = 60.0 / max(1, settings.PAPERFEED_LLM_PER_MINUTE)
    for index, glance in enumerate(ai_pending()):
        if not ai_budget_claim():
            run.stopped = "daily budget spent"
            break
        if index:
            sleep(spacing)
        paper = glance.paper
        asked_for = glance.text_key
        changes: dict[str, object] = {"ai_attempted_at": timezone.now(), "ai_text_key": asked_for}
        try:
            sentence = summary_write(
                endpoint, title=paper.title, abstract=paper.abstract, client=client
            )
        except LlmUnavailable as exc:
            # Nothing learnt about this paper: not a strike against it.
            PaperGlance.objects.filter(pk=glance.pk).update(
                ai_attempted_at=changes["ai_attempted_at"], ai_reason=exc.reason
            )
            run.stopped = f"service unavailable: {exc.reason}"
            logger.warning("AI summaries paused: %s", exc.reason)
            break
        except LlmBadAnswer as exc:
            attempts = glance.ai_attempts + 1 if glance.ai_text_key == asked_for else 1
            changes.update(
                ai_state=PaperGlance.AiState.FAILED,
                ai_reason=exc.reason,
                ai_attempts=attempts,
                ai_summary="",
            )
            run.refused += 1
            run.reasons.append(f"{paper.arxiv_id}: {exc.reason}")
        else:
            changes.update(
                ai_state=PaperGlance.AiState.DONE,
                ai_summary=sentence,
                ai_model=endpoint.model[:200],
                ai_reason="",
                ai_attempts=0,
            )
            run.written += 1
        # Only if the text is still the one asked about (an import may have changed it).
        PaperGlance.objects.filter(pk=glance.pk, text_key=asked_for).update(**changes)
    return run


def glance_status() -> dict[str, int]:
    papers = Paper.objects.count()
    glances = PaperGlance.objects.all()
    return {
        "papers": papers,
        "computed": glances.count(),
        "stale": len(_pending(full=False, paper_ids=None)),
        "with_keywords": glances.exclude(keywords=[]).count(),
        "with_summary": glances.exclude(summary="").count(),
        "ai_written": glances.filter(ai_state=PaperGlance.AiState.DONE).count(),
        "ai_failed": glances.filter(ai_state=PaperGlance.AiState.FAILED).count(),
        "ai_requests_today": ai_budget_used(),
        "stubs": Paper.objects.filter(STUB).count(),
    }
