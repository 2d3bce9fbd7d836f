"""Everything a member's kept trending list shows, read again when the kept body's interval is
over (core/readerslots.py, ``shared_for_members(shown=...)``; the featured lists' and
``/papers/new``'s are papers/list_shown.py): the stored run, the page's scores in the list's
order (each with its components and moment: what its card's "why" and sparkline show) and
whether the list is the latest window with signal rather than the current one, then what each
paper shows (``papers.list_shown.papers_shown``). Unchanged, the body is kept another interval
instead of built again.
"""

from __future__ import annotations

from django.utils import timezone

from paperfeed.papers.list_shown import Rows, papers_shown
from paperfeed.trending import selectors, signals
from paperfeed.trending.models import TrendingRun


def trending_shown(
    *, window: str, category: str | None, with_code: bool, page: int, size: int
) -> Rows | None:
    """The stored list's page as ``selectors.trending_papers`` reads it; None where it is
    scored on the fly (no stored run yet) or the page is empty: such a body is built again
    after each interval, as before."""
    run = TrendingRun.objects.first()
    if run is None:
        return None
    _, ranked = selectors.stored_ranking(
        window, category, with_code, limit=size, offset=(page - 1) * size
    )
    entries = list(ranked.values_list("paper_id", "score", "components", "as_of", "ranked"))
    if not entries:
        return None
    reference = signals.day_end(run.replay_of) if run.replay_of else timezone.now()
    stale = selectors.is_stale(entries[0][3] or run.as_of, reference, window)
    frame = (run.pk, run.as_of, run.replay_of, stale)
    return [frame, *entries, *papers_shown([entry[0] for entry in entries])]
