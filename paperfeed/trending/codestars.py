"""``Paper.code_stars`` follows the star count of the paper's repository (``Paper.code_repo``).

Touched are only the papers that can be behind: those of the repositories whose count changed
since it was last copied (``Repository.stars_synced``), those whose repository is new to them
(their writers clear ``code_stars``, the partial index ``paper_code_unstarred`` finds those
whose repository has a count),
and the papers an import just wrote (it may have stored the count its source gave). So a
recompute never reads every paper with a code link. Written through ``papers.services``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import F, Q

from paperfeed.papers.models import Paper
from paperfeed.papers.services import papers_code_stars_set
from paperfeed.trending.models import Repository

# Keys or ids per ``IN (...)`` list: well under SQLite's limit of bound parameters.
CHUNK = 5_000


# (paper id, repository key, stored count) of a paper with a repository.
Linked = tuple[int, str | None, int | None]


def _chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _stale(rows: Iterable[Linked], stars: dict[str, int]) -> dict[int, int]:
    """paper id -> its repository's count, for the rows whose stored count differs."""
    return {pk: stars[key] for pk, key, stored in rows if key in stars and stars[key] != stored}


def _keys(rows: Iterable[Linked]) -> set[str]:
    return {key for _, key, _ in rows if key}


def code_stars_sync() -> int:
    """Copy each changed repository's star count onto its papers, and a count onto the papers
    that have none; return how many papers changed. Run inside the recompute's transaction."""
    changed = [
        (pk, key, int(count))
        for pk, key, count in Repository.objects.exclude(stars=None)
        .filter(Q(stars_synced=None) | ~Q(stars_synced=F("stars")))
        .values_list("id", "key", "stars")
        if count is not None
    ]
    stars = {key: count for _, key, count in changed}
    updates: dict[int, int] = {}
    for keys in _chunks(sorted(stars)):
        rows: list[Linked] = list(
            Paper.objects.filter(code_repo__in=keys).values_list("id", "code_repo", "code_stars")
        )
        updates.update(_stale(rows, stars))
    # Only those whose repository has a count: papers of gone or never-counted repositories
    # (all of them, on a catalogue without star refreshes) are not read again and again.
    counted = Repository.objects.exclude(stars=None).values("key")
    unstarred: list[Linked] = list(
        Paper.objects.filter(code_stars=None, code_repo__in=counted).values_list(
            "id", "code_repo", "code_stars"
        )
    )
    known = _repository_stars(_keys(unstarred) - set(stars))
    updates.update(_stale(unstarred, {**known, **stars}))
    if updates:
        papers_code_stars_set(stars=updates)
    Repository.objects.bulk_update(
        [Repository(pk=pk, stars_synced=count) for pk, _, count in changed],
        ["stars_synced"],
        batch_size=1000,
    )
    return len(updates)


def code_stars_sync_papers(*, paper_ids: Collection[int]) -> int:
    """The repositories' counts onto these papers (just imported or linked) where they differ;
    return how many changed."""
    rows: list[Linked] = []
    for ids in _chunks(sorted(paper_ids)):
        rows.extend(
            Paper.objects.filter(pk__in=ids, code_repo__isnull=False).values_list(
                "id", "code_repo", "code_stars"
            )
        )
    updates = _stale(rows, _repository_stars(_keys(rows)))
    if updates:
        papers_code_stars_set(stars=updates)
    return len(updates)


def _repository_stars(keys: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(keys)):
        found.update(
            Repository.objects.filter(key__in=chunk).exclude(stars=None).values_list("key", "stars")  # type: ignore[arg-type]
        )
    return found
