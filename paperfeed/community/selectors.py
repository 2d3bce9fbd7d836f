"""Reads of community data shared by the pages, the includes and the API."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, OuterRef, QuerySet

from paperfeed.accounts.models import Profile
from paperfeed.community.models import AuthorClaim, Comment, CommentReport, Upvote
from paperfeed.core.compiled import Compiled, compile_query
from paperfeed.papers import shown_parts
from paperfeed.papers.models import Author, Featured, Paper, PaperAuthor

MAX_DEPTH = 6
# Papers per query of verified_author_names (SQLite's bound-parameter limit).
_CHUNK = 2000


@dataclass(frozen=True)
class CardState:
    """One reader's state on a page's papers, read in one query: each paper's live local vote
    count, the papers they upvoted, and for each other reader part (e.g. saved) the papers
    they have it on."""

    counts: dict[int, int]
    voted: set[int]
    mine: list[set[int]]


# The values card_state's query is compiled with, replaced by each call's own.
_USER_SENTINEL = -987_000_001
_PAPER_SENTINEL = -987_100_000


def _card_state_query(user: User, paper_ids: list[int], mine: list[Exists]) -> QuerySet:
    names = [f"mine_{i}" for i in range(len(mine))]
    return (
        Paper.objects.filter(pk__in=paper_ids)
        .annotate(
            voted=Exists(Upvote.objects.filter(user=user, paper_id=OuterRef("pk"))),
            **dict(zip(names, mine, strict=True)),
        )
        .values_list("pk", "upvote_count", "voted", *names)
    )


@lru_cache(maxsize=64)
def _card_state_sql(
    connection: BaseDatabaseWrapper, count: int, mine: tuple[Callable[[User], Exists], ...]
) -> Compiled:
    """card_state's SQL for ``count`` papers, compiled once per connection (core/compiled.py):
    the ORM spent more CPU building this query on every member's page than the database spent
    answering it. Values: the user's id, then the papers'."""
    user = User(pk=_USER_SENTINEL)
    ids = [_PAPER_SENTINEL - i for i in range(count)]
    query = _card_state_query(user, ids, [part(user) for part in mine])
    return compile_query(query, [_USER_SENTINEL, *ids])


def card_state_query(
    *, user_id: int, paper_ids: Sequence[int], mine: Sequence[Callable[[User], Exists]] = ()
) -> tuple[Compiled, list[int]]:
    """card_state's compiled query and its values (to be run alone or with a page's other
    reads: core/readahead.read_ahead)."""
    db = connections[DEFAULT_DB_ALIAS]  # the thread's own connection (hashable)
    return _card_state_sql(db, len(paper_ids), tuple(mine)), [user_id, *paper_ids]


def card_state_from(rows: Sequence[Sequence[Any]], mine_count: int) -> CardState:
    """The state read by card_state_query's query (rows of (id, count, voted, *mine))."""
    state = CardState(counts={}, voted=set(), mine=[set() for _ in range(mine_count)])
    for pk, count, voted, *has in rows:
        state.counts[pk] = count
        if voted:
            state.voted.add(pk)
        for found, yes in zip(state.mine, has, strict=True):
            if yes:
                found.add(pk)
    return state


def card_state(
    *, user: User, paper_ids: Collection[int], mine: Sequence[Callable[[User], Exists]] = ()
) -> CardState:
    """This member's state on these papers, in one query (``mine``: for each other reader part,
    a function from a user to a subquery over the paper, ``OuterRef("pk")``)."""
    if not paper_ids:
        return CardState(counts={}, voted=set(), mine=[set() for _ in mine])
    query, values = card_state_query(user_id=user.pk, paper_ids=list(paper_ids), mine=mine)
    return card_state_from(query.rows(values), len(mine))


@dataclass(frozen=True)
class CommentNode:
    comment: Comment
    depth: int


def comment_editable_since(*, now: datetime) -> datetime:
    """The oldest creation time of a comment its author may still edit at ``now``
    (``PAPERFEED_COMMENT_EDIT_MINUTES``): the one edit-window rule, for the service that edits
    and the thread that offers "Edit"."""
    return now - timedelta(minutes=settings.PAPERFEED_COMMENT_EDIT_MINUTES)


def comment_editable(*, comment: Comment, now: datetime) -> bool:
    return comment.created_at >= comment_editable_since(now=now)


def comment_thread(*, paper: Paper) -> list[CommentNode]:
    """A paper's comments in reading order: each reply right after its parent, depth-first.

    Deleted and hidden comments stay in the list (shown as placeholders) so their replies keep
    their place; replies deeper than MAX_DEPTH are shown at MAX_DEPTH.
    """
    comments = list(
        Comment.objects.filter(paper=paper)
        .select_related("author", "author__profile")
        .order_by("created_at", "id")
    )
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        children.setdefault(comment.parent_id, []).append(comment)
    ordered: list[CommentNode] = []
    stack = [(c, 0) for c in reversed(children.get(None, []))]
    while stack:
        comment, depth = stack.pop()
        ordered.append(CommentNode(comment, min(depth, MAX_DEPTH)))
        stack.extend((c, depth + 1) for c in reversed(children.get(comment.pk, [])))
    return ordered


def comment_version(*, paper_id: int) -> tuple[object, ...]:
    """What a paper's shared comment thread is kept by (community/reader_parts.py): its comments'
    number and newest id (a new comment), newest edit time (an edit), the ids of the deleted and
    of the hidden ones (a delete, a hide or unhide), and how many still have an author (an
    account deleted); one indexed query. A changed display name or an approved claim is not in
    it: those show within PAPERFEED_PAGE_CACHE_SECONDS (:func:`comment_names_query`, read when
    a kept thread's interval is over). Plain SQL, run as the compiled queries are (prepared on
    PostgreSQL): it runs on every member's paper page."""
    return comment_version_from(_COMMENT_VERSION.rows([paper_id]))


# comment_version's query; its one value is the paper's id.
_COMMENT_VERSION = Compiled(
    "SELECT COUNT(*), MAX(id), MAX(edited_at),"  # noqa: S608
    " SUM(CASE WHEN deleted THEN id ELSE 0 END),"
    " SUM(CASE WHEN hidden THEN id ELSE 0 END), COUNT(author_id)"
    f" FROM {Comment._meta.db_table} WHERE paper_id = %s",
    ((0, None),),
    6,
)


def comment_version_query(*, paper_id: int) -> tuple[Compiled, list[int]]:
    """comment_version's query and its values (for core/readahead.read_ahead)."""
    return _COMMENT_VERSION, [paper_id]


def _digest(vendor: str, text: str, tables: str, order: str) -> str:
    """A scalar subquery: the MD5 of ``text`` over the rows of ``tables`` (FROM … WHERE …, its
    one value the paper's id) in ``order``, joined; NULL for no rows. MD5 is PostgreSQL's and,
    on SQLite, Django's registered function; the aggregate differs by database."""
    if vendor == "postgresql":
        return f"(SELECT md5(string_agg({text}, ',' ORDER BY {order})) FROM {tables})"  # noqa: S608
    return (
        f"(SELECT MD5(group_concat(x, ',')) FROM (SELECT {text} AS x FROM {tables}"  # noqa: S608
        f" ORDER BY {order}))"
    )


@lru_cache(maxsize=4)
def _comment_names_sql(vendor: str) -> Compiled:
    user, profile = User._meta.db_table, Profile._meta.db_table
    comment, claim = Comment._meta.db_table, AuthorClaim._meta.db_table
    author = Author._meta.db_table
    approved = AuthorClaim.Status.APPROVED.value
    parts = [
        _digest(
            vendor,
            "u.username || '|' || COALESCE(p.display_name, '')",
            f"{comment} c JOIN {user} u ON u.id = c.author_id"
            f" LEFT JOIN {profile} p ON p.user_id = u.id WHERE c.paper_id = %s",
            "c.id",
        ),
        _digest(
            vendor,
            "u.username || '|' || a.name",
            f"{claim} k JOIN {user} u ON u.id = k.user_id JOIN {author} a ON a.id = k.author_id"
            f" WHERE k.paper_id = %s AND k.status = '{approved}'",
            "k.id",
        ),
        _digest(
            vendor,
            "CAST(a.id AS TEXT) || '|' || a.name",
            f"{PaperAuthor._meta.db_table} l JOIN {author} a ON a.id = l.author_id"
            " WHERE l.paper_id = %s",
            "l.position",
        ),
    ]
    sql = (
        "SELECT comment_count, "  # noqa: S608
        + ", ".join(parts)
        + f" FROM {Paper._meta.db_table} WHERE id = %s"
    )
    return Compiled(sql, ((0, None),) * (len(parts) + 1), 1 + len(parts))


def comment_names_query(*, paper_id: int) -> tuple[Compiled, list[int]]:
    """What a paper's comment thread shows beyond its comment version: the paper's comment count
    and digests of the names it shows (the commenters' usernames and display names, the approved
    claims' members and authors, the paper's authors the claim form lists). A kept thread whose
    interval is over is kept another one when this is unchanged (community/reader_parts.py)."""
    return _comment_names_sql(connections[DEFAULT_DB_ALIAS].vendor), [paper_id]


def comment_version_from(rows: Sequence[Sequence[Any]]) -> tuple[object, ...]:
    return tuple(rows[0]) if rows else ()


def upvoted_paper_ids(*, user: User | AnonymousUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Upvote.objects.filter(user=user).values_list("paper_id", flat=True))


def verified_authors(*, paper: Paper) -> list[AuthorClaim]:
    return list(
        AuthorClaim.objects.filter(paper=paper, status=AuthorClaim.Status.APPROVED)
        .select_related("user", "author")
        .order_by("author__name")
    )


# (paper id, name) of each author of the papers ``{papers}`` (``IN (ids)``, or ``= <column>``
# in a lateral) whose claim a curator approved. The papers' rows read it in their own statement
# (papers.row_statement.verified_sql_register, from this app's ready()), so a list of cards
# built from them asks no query of its own for it. The status is a constant of the model.
VERIFIED_NAMES_SQL = (
    f"SELECT a.paper_id, a.name FROM {PaperAuthor._meta.db_table} a"  # noqa: S608
    f" JOIN {AuthorClaim._meta.db_table} c"
    " ON c.author_id = a.author_id AND c.paper_id = a.paper_id"
    f" WHERE c.status = '{AuthorClaim.Status.APPROVED.value}' AND a.paper_id {{papers}}"
)


# The approved claims of the paper "papers_paper" as a part of its version (papers.selectors.
# paper_shown_part_register): a claim approved, or one approved and then withdrawn, moves it.
CLAIMS_VERSION_SQL = (
    f"(SELECT {shown_parts.joined('COUNT(*)', 'SUM(id)')}"  # noqa: S608
    f" FROM {AuthorClaim._meta.db_table} WHERE paper_id = {shown_parts.PAPER}"
    f" AND status = '{AuthorClaim.Status.APPROVED.value}')"
)


def verified_author_names(*, paper_ids: Collection[int]) -> dict[int, set[str]]:
    """For each paper, the names (as the paper writes them) of the authors whose claim a curator
    approved: one query for a whole list of cards. Plain SQL: every list page and search asks
    it, and the ORM spent more CPU building this join than the database spent answering it."""
    if not paper_ids:
        return {}
    ids = list(paper_ids)
    names: dict[int, set[str]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(VERIFIED_NAMES_SQL.replace("{papers}", f"IN ({marks})"), chunk)
            for paper_id, name in cursor.fetchall():
                names.setdefault(paper_id, set()).add(name)
    return names


def open_reports() -> QuerySet[CommentReport]:
    return CommentReport.objects.filter(resolved=False).select_related(
        "comment", "comment__paper", "comment__author", "reporter"
    )


def pending_claims() -> QuerySet[AuthorClaim]:
    return AuthorClaim.objects.filter(status=AuthorClaim.Status.PENDING).select_related(
        "user", "paper", "author"
    )


def member_activity(*, user: User, limit: int = 50) -> dict[str, list]:
    """What a profile page shows: submissions, upvotes, comments and verified papers."""
    return {
        "submitted": list(
            Featured.objects.filter(featured_by=user, source=Featured.Source.SUBMISSION)
            .select_related("paper")
            .order_by("-day")[:limit]
        ),
        "upvoted": list(
            Paper.objects.visible()
            .filter(upvote_set__user=user)
            .order_by("-upvote_set__created_at")[:limit]
        ),
        "comments": list(
            Comment.objects.filter(author=user, deleted=False, hidden=False)
            .select_related("paper")
            .order_by("-created_at")[:limit]
        ),
        "authored": list(
            Paper.objects.filter(
                author_claims__user=user, author_claims__status=AuthorClaim.Status.APPROVED
            )
            .distinct()
            .order_by("-published")[:limit]
        ),
    }


def author_members(*, author: Author) -> list[User]:
    """Members with an approved claim on this author identity, each once, with their profile."""
    return list(
        User.objects.filter(
            is_active=True,
            author_claims__author=author,
            author_claims__status=AuthorClaim.Status.APPROVED,
        )
        .select_related("profile")
        .distinct()
        .order_by("username")
    )
