from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

    from paperfeed.core.readahead import Read
    from paperfeed.core.scheduler import Job


def scheduled_jobs() -> list[Job]:
    """Star refresh, score recompute, and the daily code-link scan after the import."""
    # Imported here: the scheduler module imports core's models, and this module is loaded
    # before they are.
    from paperfeed.core.scheduler import Job

    return [
        Job(
            name="trending-stars-refresh",
            task_path="paperfeed.trending.tasks.stars_refresh_task",
            every=timedelta(minutes=max(settings.PAPERFEED_STARS_REFRESH_MINUTES, 1)),
        ),
        Job(
            name="trending-recompute",
            task_path="paperfeed.trending.tasks.trending_recompute_task",
            every=timedelta(minutes=max(settings.PAPERFEED_TRENDING_RECOMPUTE_MINUTES, 1)),
        ),
        Job(
            name="trending-code-links",
            task_path="paperfeed.trending.tasks.code_links_scan_task",
            daily_at_hour=(settings.PAPERFEED_IMPORT_HOUR_UTC + 1) % 24,
        ),
    ]


def code_link_form_wanted(request: HttpRequest, paper_id: int) -> bool:
    """``code_link_form_shown``, its module imported on the first member's paper page rather
    than in ready(): it brings trending's selectors, scores and the papers services."""
    from paperfeed.trending.templatetags.trending_charts import code_link_form_shown

    return code_link_form_shown(request, paper_id)


def code_link_reads_ahead(request: HttpRequest, member_id: int, args: list[str]) -> list[Read]:
    """``code_link_reads``, imported on the first member's paper page (as above)."""
    from paperfeed.trending.templatetags.trending_charts import code_link_reads

    return code_link_reads(request, member_id, args)


class TrendingConfig(AppConfig):
    name = "paperfeed.trending"
    label = "trending"

    def ready(self) -> None:
        # Imported here: the scheduler module imports core's models, not loadable before ready.
        from paperfeed.core.scheduler import jobs_register
        from paperfeed.papers.signals import papers_imported
        from paperfeed.trending.receivers import find_imported_code_links, record_imported_upvotes

        jobs_register(app=self.label, jobs=scheduled_jobs)
        # The paper page's code-link form in a member's shared body (core/readerslots.py, slot
        # "codelink:id"): whether this reader may set the link (the submitter, an author, a
        # curator) is theirs, so the form is rendered per request from the same template.
        from paperfeed.core.readahead import reads_register
        from paperfeed.core.readerslots import filler_register, template_filler
        from paperfeed.papers.models import Paper

        def code_links(ids: list[int]) -> dict[int, Paper]:
            # The form shows the link only: not the whole (wide) row.
            return Paper.objects.only("id", "code_url").in_bulk(ids)

        filler_register(
            "codelink",
            template_filler(
                "trending/_code_link_form.html", load=code_links, wanted=code_link_form_wanted
            ),
        )
        reads_register("codelink", code_link_reads_ahead)
        # The paper page's charts in a member's kept body: their snapshots move its version. A
        # card's sparkline is fixed by its score's moment (community.cards.card_key), read with
        # a kept list's scores (trending/list_shown.py): not read for lists.
        from paperfeed.papers.shown_parts import PAPER, PAPER_TABLE, joined
        from paperfeed.papers.shown_parts import paper_shown_part_register as part
        from paperfeed.trending.models import Repository, StarSnapshot, UpvoteSnapshot

        # The star chart: the snapshots of the paper's repository (its key is Paper.code_repo,
        # as star_history finds it from the link), new ones and counts written again.
        part(
            "stars",
            f"(SELECT {joined('COUNT(*)', 'SUM(s.stars)', 'MAX(s.id)')}"  # noqa: S608
            f" FROM {StarSnapshot._meta.db_table} s JOIN {Repository._meta.db_table} r"
            f' ON r.id = s.repository_id WHERE r.key = {PAPER_TABLE}."code_repo")',
            on_cards=False,
        )
        # The upvote chart: the paper's source snapshots (its featured days are in the version).
        part(
            "upvote_history",
            f"(SELECT {joined('COUNT(*)', 'SUM(count)', 'MAX(id)')}"  # noqa: S608
            f" FROM {UpvoteSnapshot._meta.db_table} WHERE paper_id = {PAPER})",
            on_cards=False,
        )
        papers_imported.connect(record_imported_upvotes, dispatch_uid="trending.upvotes")
        papers_imported.connect(find_imported_code_links, dispatch_uid="trending.code_links")
