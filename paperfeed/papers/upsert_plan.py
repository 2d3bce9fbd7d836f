"""An import batch's merge, apart from its writes: which records are accepted, each paper's
stored and merged state, and the counts (``papers.services.papers_upsert`` writes the plan).

The merge can run in two steps so that an importer merges one batch while another connection
is still writing the batch before it (``ingest/overlap.py``): :func:`plan` merges every paper
but the ``held`` ones (those the batch in flight writes: their stored state is only known once
it commits), and :func:`plan_finish` reads and merges those, then counts every record in its
order. A paper's records are merged in one step and in their order, and the counts and errors
are taken in the records' order after both, so the plan is the same whichever papers are held.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from paperfeed.papers import upsert
from paperfeed.papers.merge import PaperState, merge
from paperfeed.papers.records import PaperRecord, UpsertSummary, upsert_problem

_NO_TITLE = "a new paper needs a title"


@dataclass
class UpsertPlan:
    """One batch merged: ``previous`` is each paper's stored state (None: not stored),
    ``current`` its state after the batch's records; ``featured`` the records to feature."""

    summary: UpsertSummary
    accepted: list[PaperRecord] = field(default_factory=list)
    previous: dict[str, PaperState | None] = field(default_factory=dict)
    current: dict[str, PaperState | None] = field(default_factory=dict)
    featured: list[PaperRecord] = field(default_factory=list)
    # Per accepted record, in order: "new", "updated", "unchanged" or _NO_TITLE once merged.
    outcomes: list[str | None] = field(default_factory=list)
    held: frozenset[str] = frozenset()

    @property
    def keys(self) -> frozenset[str]:
        """The papers this batch reads and may write."""
        return frozenset(self.current)


def plan(
    records: Sequence[PaperRecord], *, checked: bool, held: Collection[str] = ()
) -> UpsertPlan:
    """Sift the batch (problems, verbatim repeats) and merge the records of every paper not in
    ``held`` with its stored state. :func:`plan_finish` completes it."""
    summary = UpsertSummary()
    result = UpsertPlan(summary=summary)
    seen: dict[str, list[PaperRecord]] = {}
    for record in records:
        problem = None if checked else upsert_problem(record)
        if problem:
            summary.reject(problem, record.arxiv_id)
            continue
        earlier = seen.setdefault(record.arxiv_id, [])
        if record in earlier:
            summary.reject("duplicate of an earlier record in the same batch", record.arxiv_id)
            continue
        earlier.append(record)
        result.accepted.append(record)
    result.outcomes = [None] * len(result.accepted)
    result.held = frozenset(key for key in seen if key in held) if held else frozenset()
    # In the records' order whatever is merged first: the new papers take their ids in it.
    result.previous = dict.fromkeys(seen)
    result.current = dict.fromkeys(seen)
    _merge(result, [key for key in seen if key not in result.held])
    return result


def plan_finish(result: UpsertPlan) -> UpsertPlan:
    """Merge the held papers (their stored states read now), then count every record."""
    if result.held:
        _merge(result, [key for key in result.previous if key in result.held])
    summary = result.summary
    for record, outcome in zip(result.accepted, result.outcomes, strict=True):
        if outcome == _NO_TITLE:
            summary.reject(outcome, record.arxiv_id)
            continue
        if outcome == "new":
            summary.new += 1
        elif outcome == "updated":
            summary.updated += 1
        else:
            summary.unchanged += 1
        if record.featured is not None:
            result.featured.append(record)
    return result


def _merge(result: UpsertPlan, keys: list[str]) -> None:
    if not result.accepted or not keys:
        return
    stored = upsert.load_states(keys)
    wanted = set(keys)
    previous, current, outcomes = result.previous, result.current, result.outcomes
    for key in keys:
        previous[key] = current[key] = stored.get(key)
    for position, record in enumerate(result.accepted):
        if record.arxiv_id not in wanted:
            continue
        before = current[record.arxiv_id]
        if before is None and not record.title:
            outcomes[position] = _NO_TITLE
            continue
        after, differs = merge(before, record)
        current[record.arxiv_id] = after
        if previous[record.arxiv_id] is None and before is None:
            outcomes[position] = "new"
        else:
            outcomes[position] = "updated" if differs else "unchanged"
