"""Every write to the catalogue: the import upsert, curation, and the counters other apps keep.

No other app writes ``papers_*`` tables. Curation functions take a user already authorised as a
curator (community views and the admin check the role, ``accounts.roles.is_curator``); the
user is recorded where the catalogue keeps it (``Featured.featured_by``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from paperfeed.papers import bulk_indexes, codelinks, search, upsert, upsert_featured
from paperfeed.papers.merge import PaperState, merge
from paperfeed.papers.models import Author, Featured, Paper, PaperAuthor, Thumbnail
from paperfeed.papers.periods import featured_day_problem
from paperfeed.papers.records import PaperRecord, UpsertSummary, upsert_problem
from paperfeed.papers.signals import (
    FeaturedWrite,
    authors_merging,
    paper_featured,
    papers_imported,
)
from paperfeed.papers.thumbnails import thumbnail_path

logger = logging.getLogger(__name__)


def papers_upsert(*, records: Sequence[PaperRecord], checked: bool = False) -> UpsertSummary:
    """Merge one batch of records into the catalogue, in the caller's transaction.

    A record repeated verbatim within the batch is rejected as a duplicate; different records
    for one paper (the same paper listed on two days) are merged in order. Once the caller's
    transaction commits, :data:`~paperfeed.papers.signals.papers_imported` is sent.
    ``checked``: every record already went through
    :func:`~paperfeed.papers.records.upsert_problem` and passed (an import's parsing process
    does it on the other core), so it is not done a second time here.
    """
    summary = UpsertSummary()
    accepted: list[PaperRecord] = []
    seen: dict[str, list[PaperRecord]] = {}
    # Author names a parsing process folded to their keys (``PaperRecord.author_keys``): the
    # merge and the author rows read them instead of folding each name again.
    folded: dict[str, str] = {}
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
        accepted.append(record)
        keys, names = record.author_keys, record.authors
        if keys is not None and names is not None and len(keys) == len(names):
            folded.update(zip(names, keys, strict=True))
    if not accepted:
        return summary

    stored = upsert.load_states(list(seen))
    previous: dict[str, PaperState | None] = {key: stored.get(key) for key in seen}
    current: dict[str, PaperState | None] = dict(previous)
    featured: list[PaperRecord] = []
    for record in accepted:
        before = current[record.arxiv_id]
        if before is None and not record.title:
            summary.reject("a new paper needs a title", record.arxiv_id)
            continue
        after, differs = merge(before, record)
        current[record.arxiv_id] = after
        if previous[record.arxiv_id] is None and before is None:
            summary.new += 1
        elif differs:
            summary.updated += 1
        else:
            summary.unchanged += 1
        if record.featured is not None:
            featured.append(record)

    new = [s for key, s in current.items() if s is not None and previous[key] is None]
    changed = [
        s
        for key, s in current.items()
        if s is not None and previous[key] is not None and s != previous[key]
    ]
    upsert.write_papers(new, changed)
    written = new + changed
    upsert.write_links(written, previous, folded=folded)
    retexted = [s for s in written if s.id is not None and _text_changed(s, previous[s.arxiv_id])]
    if search.database_copy_on():
        search.index_papers(
            [
                search.IndexRow(
                    s.id, s.title, s.abstract or "", search.authors_text(s.authors or [])
                )
                for s in retexted
                if s.id is not None
            ]
        )
    elif retexted:
        # No copy to write (nor its rows to build), but cached searches are stale all the same.
        search.catalogue_changed()
    ids = {key: s.id for key, s in current.items() if s is not None and s.id is not None}
    upsert_featured.write_featured([(ids[record.arxiv_id], record) for record in featured])
    entries: list[FeaturedWrite] = [
        (ids[r.arxiv_id], r.source, r.featured.day, r.featured.upvotes)
        for r in featured
        if r.featured is not None
    ]
    paper_ids = [s.id for s in written if s.id is not None]
    if paper_ids or entries:
        transaction.on_commit(partial(_announce_import, paper_ids=paper_ids, featured=entries))
    return summary


def catalogue_indexes_defer(*, incoming: int) -> list[str]:
    """A first load (``bulk_indexes.FIRST_LOAD_RECORDS`` or more records into a catalogue of no
    more papers than that): drop the secondary indexes, built once by
    :func:`catalogue_indexes_restore` when it ends. Their names; [] when it is no first load."""
    # Not inside a caller's transaction: on PostgreSQL it would hold DROP INDEX's lock, which
    # keeps every reader off the tables, until the whole import ends.
    if connection.in_atomic_block or incoming < bulk_indexes.FIRST_LOAD_RECORDS:
        return []
    return bulk_indexes.drop() if bulk_indexes.papers_at_most(incoming) else []


def catalogue_indexes_restore() -> list[str]:
    """Build the secondary indexes a first load set aside, if any are missing; their names."""
    return bulk_indexes.restore()


def _announce_import(*, paper_ids: list[int], featured: list[FeaturedWrite]) -> None:
    """Send ``papers_imported``. The batch is committed by now: a receiver that fails is logged
    and neither stops the others nor the import."""
    results = papers_imported.send_robust(
        sender=papers_upsert, paper_ids=paper_ids, featured=featured
    )
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error("papers_imported: %r failed", receiver, exc_info=result)


def _text_changed(state: PaperState, old: PaperState | None) -> bool:
    if old is None:
        return True
    return (state.title, state.abstract, state.authors) != (old.title, old.abstract, old.authors)


def papers_mark_checked(*, arxiv_ids: Sequence[str]) -> None:
    """Record that the arXiv API has been asked for these papers' missing metadata."""
    now = timezone.now()
    for chunk in upsert.chunks(list(arxiv_ids)):
        Paper.objects.filter(arxiv_id__in=chunk).update(arxiv_checked_at=now)


def paper_counters_add(*, paper_id: int, upvotes: int = 0, comments: int = 0) -> None:
    """Move a paper's denormalised counters atomically (``F()``), in the caller's transaction,
    so they change together with the vote or comment rows they count."""
    changes: dict[str, Any] = {}
    if upvotes:
        changes["upvote_count"] = F("upvote_count") + upvotes
    if comments:
        changes["comment_count"] = F("comment_count") + comments
    if changes:
        Paper.objects.filter(pk=paper_id).update(**changes)


class FeaturedDayOutOfRange(ValueError):
    """A featured day outside ``periods.featured_day_problem``'s bounds; the message says so."""


def _check_featured_day(day: date) -> None:
    problem = featured_day_problem(day, today=timezone.localdate())
    if problem is not None:
        raise FeaturedDayOutOfRange(problem)


def featured_submit(*, member: User, paper: Paper, day: date, submitter_name: str) -> Featured:
    """Feature a paper a member submitted (the caller applies the submission guardrails).

    Raises ``IntegrityError`` when the paper is already on that day's list, and
    ``FeaturedDayOutOfRange`` for a day no list can have.
    """
    _check_featured_day(day)
    entry = Featured.objects.create(
        paper=paper,
        day=day,
        source=Featured.Source.SUBMISSION,
        featured_by=member,
        submitter_name=submitter_name[:150],
    )
    _announce_featured(entry)
    return entry


def _announce_featured(entry: Featured) -> None:
    """``paper_featured`` once the entry is committed (never for a rolled-back one)."""
    transaction.on_commit(
        lambda: paper_featured.send_robust(sender=Featured, paper_id=entry.paper_id, day=entry.day)
    )


# --- Code links and stars (found by trending, or set by a person it has authorised) -----------


# The columns the link finder may change; everything else about a paper comes from its sources.
LINK_FIELDS = frozenset({"code_url", "code_url_source", "code_stars", "project_page"})


def papers_links_found(*, changes: Mapping[int, Mapping[str, Any]]) -> int:
    """Store automatically found code links and project pages (paper id → changed columns, from
    ``LINK_FIELDS``). A code link a person has set, even meanwhile, is never replaced: only the
    project page of such a paper is stored. Returns how many papers were written."""
    unknown = {name for columns in changes.values() for name in columns} - LINK_FIELDS
    if unknown:
        raise ValueError(f"not link columns: {sorted(unknown)}")
    with transaction.atomic():
        user_set = set(
            Paper.objects.filter(
                pk__in=list(changes), code_url_source=Paper.CodeUrlSource.USER
            ).values_list("pk", flat=True)
        )
        groups: dict[tuple[str, ...], list[Paper]] = {}
        for paper_id, columns in changes.items():
            if paper_id in user_set:
                columns = {k: v for k, v in columns.items() if k == "project_page"}
            if "code_url" in columns:
                columns = {**columns, "code_repo": codelinks.repo_key(columns["code_url"])}
            if columns:
                groups.setdefault(tuple(sorted(columns)), []).append(Paper(pk=paper_id, **columns))
        for names, papers in groups.items():
            Paper.objects.bulk_update(papers, list(names), batch_size=500)
    return sum(len(papers) for papers in groups.values())


def paper_code_link_user_set(*, paper_id: int, url: str) -> None:
    """A person's code link (``""`` clears it): it wins over anything found automatically."""
    Paper.objects.filter(pk=paper_id).update(
        code_url=url,
        code_url_source=Paper.CodeUrlSource.USER,
        code_repo=codelinks.repo_key(url),
        code_stars=None,
        updated_at=timezone.now(),
    )


def papers_code_stars_set(*, stars: Mapping[int, int | None]) -> None:
    """The star counts of the papers' code repositories (paper id → stars)."""
    updates = [Paper(id=pk, code_stars=count) for pk, count in stars.items()]
    Paper.objects.bulk_update(updates, ["code_stars"], batch_size=500)


def papers_code_repo_refresh(*, paper_ids: Collection[int]) -> int:
    """``code_repo`` again from ``code_url`` after a write that set the link alone (an admin
    edit); a paper whose repository changed loses the star count of the one before. Returns
    how many papers changed."""
    changed = [
        Paper(pk=pk, code_repo=key, code_stars=None)
        for pk, url, repo in Paper.objects.filter(pk__in=list(paper_ids)).values_list(
            "pk", "code_url", "code_repo"
        )
        if (key := codelinks.repo_key(url)) != repo
    ]
    Paper.objects.bulk_update(changed, ["code_repo", "code_stars"], batch_size=500)
    return len(changed)


# --- Curation (the caller has checked that ``curator`` is one) ---------------------------------


def featured_add(*, curator: User, paper: Paper, day: date, comment: str = "") -> Featured:
    """Feature ``paper`` on ``day`` (``FeaturedDayOutOfRange`` for a day no list can have)."""
    _check_featured_day(day)
    entry, created = Featured.objects.get_or_create(
        paper=paper,
        day=day,
        defaults={
            "source": Featured.Source.CURATOR,
            "featured_by": curator,
            "comment": comment.strip()[:2000],
        },
    )
    if not created:
        entry.hidden = False
        entry.comment = comment.strip()[:2000] or entry.comment
        entry.save(update_fields=["hidden", "comment", "updated_at"])
    _announce_featured(entry)
    return entry


def featured_remove(*, curator: User, featured: Featured) -> None:
    featured.delete()


def featured_pin(*, curator: User, featured: Featured, pinned: bool = True) -> None:
    Featured.objects.filter(pk=featured.pk).update(pinned=pinned, updated_at=timezone.now())
    featured.pinned = pinned


def featured_hide(*, curator: User, featured: Featured, hidden: bool = True) -> None:
    Featured.objects.filter(pk=featured.pk).update(hidden=hidden, updated_at=timezone.now())
    featured.hidden = hidden


def paper_hide(*, curator: User, paper: Paper, hidden: bool = True) -> None:
    with transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(hidden=hidden)
        search.catalogue_changed()
    paper.hidden = hidden


def authors_merge(*, curator: User, keep: Author, duplicates: list[Author]) -> int:
    """Fold duplicate authors into ``keep``; returns how many paper links moved.

    Each paper keeps the names as it writes them; only the identity they belong to changes.
    """
    duplicate_ids = [a.pk for a in duplicates if a.pk != keep.pk]
    if not duplicate_ids:
        return 0
    with transaction.atomic():
        links = PaperAuthor.objects.filter(author_id__in=duplicate_ids)
        papers = set(links.values_list("paper_id", flat=True))
        already = set(
            PaperAuthor.objects.filter(author=keep, paper_id__in=papers).values_list(
                "paper_id", flat=True
            )
        )
        # A paper listing both names keeps only the kept author's entry.
        PaperAuthor.objects.filter(author_id__in=duplicate_ids, paper_id__in=already).delete()
        moved = PaperAuthor.objects.filter(author_id__in=duplicate_ids).update(author=keep)
        authors_merging.send(sender=authors_merge, keep_id=keep.pk, duplicate_ids=duplicate_ids)
        Author.objects.filter(pk__in=duplicate_ids).delete()
        if already:
            search.reindex_papers(paper_ids=already)
    return moved


def thumbnail_save(*, paper: Paper, image: bytes, width: int, height: int) -> Thumbnail:
    """Store a paper's first-page image and mark it done.

    The file is written beside its final name and renamed over it, so a reader (or a crash)
    never sees half an image; the row follows, so its URL (``updated_at``) changes with it.
    """
    path = thumbnail_path(paper.arxiv_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", suffix=".tmp", delete=False) as f:
        f.write(image)
    # NamedTemporaryFile makes it 0600; the web server may run as another user.
    os.chmod(f.name, 0o644)
    os.replace(f.name, path)
    thumbnail, _ = Thumbnail.objects.update_or_create(
        paper=paper,
        defaults={
            "state": Thumbnail.State.DONE,
            "reason": "",
            "attempts": 1,
            "retry_at": None,
            "width": width,
            "height": height,
        },
    )
    return thumbnail


def thumbnail_fail(*, paper: Paper, reason: str, retry_at: datetime | None) -> Thumbnail:
    """Record why a paper has no thumbnail: tried again after ``retry_at``, or never (None).
    ``attempts`` counts the failures in a row."""
    with transaction.atomic():
        previous = Thumbnail.objects.select_for_update().filter(paper=paper).first()
        attempts = (
            previous.attempts + 1 if previous and previous.state == Thumbnail.State.FAILED else 1
        )
        thumbnail, _ = Thumbnail.objects.update_or_create(
            paper=paper,
            defaults={
                "state": Thumbnail.State.FAILED,
                "reason": reason[:500],
                "attempts": min(attempts, 32_000),
                "retry_at": retry_at,
                "width": 0,
                "height": 0,
            },
        )
    # The file, if an earlier render left one, is removed: the page must not show a stale image.
    thumbnail_path(paper.arxiv_id).unlink(missing_ok=True)
    return thumbnail
