"""The bulk upsert's row work: which columns it writes, reading stored states, writing rows.

Columns and their PostgreSQL types come from the models (``Model._meta``), so a field added to
``Paper`` is written by the importer without a second list to keep; the few columns the importer
must not write are named in ``PAPER_EXCLUDED``. ``papers.services.papers_upsert`` drives this.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from paperfeed.core import bulk
from paperfeed.papers.merge import PaperState, author_key
from paperfeed.papers.models import Author, Paper, PaperAuthor, PaperCategory
from paperfeed.papers.upsert_values import conversion, from_db

_SIZE = re.compile(r"\(.*\)")
# SQLite's default limit on bound parameters is 32,766; stay well below it per IN (...) list.
IN_CHUNK = 900
# Rows of one multi-row INSERT of authors (two parameters each; SQLite allows 32,766).
_AUTHOR_ROWS = 5000

# Paper columns the importer never writes: the key, the counters the community services keep
# (database defaults on insert), curation, the completion bookkeeping, and the timestamps it
# sets itself.
PAPER_EXCLUDED = frozenset(
    {
        "id",
        "upvote_count",
        "comment_count",
        "hidden",
        "arxiv_checked_at",
        "created_at",
        "updated_at",
    }
)


def paper_columns() -> tuple[str, ...]:
    """The concrete columns of ``Paper`` the importer writes, ``arxiv_id`` (the key) first."""
    names = [
        field.attname
        for field in Paper._meta.concrete_fields
        if field.attname not in PAPER_EXCLUDED and field.attname != "arxiv_id"
    ]
    return ("arxiv_id", *names)


PAPER_COLUMNS = paper_columns()
_STATE_COLUMNS = ("id", *PAPER_COLUMNS)


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


_FIELDS = {name: _field(Paper, name) for name in PAPER_COLUMNS}


def pg_types(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    """The PostgreSQL array element type of each column, as the model declares it.

    Without a length ("varchar", not "varchar(40)"): a cast to a sized type would cut a long
    value silently, where the column itself refuses it.
    """
    return [_SIZE.sub("", _field(model, name).db_type(connection) or "text") for name in columns]


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_marks = bulk.marks


def row_converter(columns: Sequence[str] = PAPER_COLUMNS) -> Callable[[PaperState], list[Any]]:
    """A function giving a state's ``columns`` (two or more) as database parameters, in order.
    Only the JSON and date columns are converted by a call; a default for None is a comparison.
    """
    values = attrgetter(*columns)
    defaults: list[tuple[int, Any]] = []
    converts: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(columns):
        default, convert = conversion(_FIELDS[name])
        if default is not None:
            defaults.append((position, default))
        if convert is not None:
            converts.append((position, convert))

    def row(state: PaperState) -> list[Any]:
        out = list(values(state))
        for position, default in defaults:
            if out[position] is None:
                out[position] = default
        for position, convert in converts:
            out[position] = convert(out[position])
        return out

    return row


def load_states(arxiv_ids: Sequence[str]) -> dict[str, PaperState]:
    """The stored state of each of these papers that exists, with its authors as written."""
    states: dict[str, PaperState] = {}
    table = Paper._meta.db_table
    with connection.cursor() as cursor:
        for chunk in chunks(arxiv_ids):
            bulk.execute(
                cursor,
                f"SELECT {', '.join(_STATE_COLUMNS)} FROM {table} "
                f"WHERE arxiv_id IN ({_marks(len(chunk))})",
                list(chunk),
            )
            for row in cursor.fetchall():
                values = {"id": row[0]}
                for name, value in zip(PAPER_COLUMNS, row[1:], strict=True):
                    values[name] = from_db(_FIELDS[name], value)
                states[values["arxiv_id"]] = PaperState(**values)
        by_id = {state.id: state for state in states.values()}
        for chunk in chunks(list(by_id)):
            marks = _marks(len(chunk))
            bulk.execute(
                cursor,
                f"SELECT paper_id, name FROM {PaperAuthor._meta.db_table} "
                f"WHERE paper_id IN ({marks}) ORDER BY paper_id, position",
                list(chunk),
            )
            for paper_id, name in cursor.fetchall():
                state = by_id[paper_id]
                state.authors = [*(state.authors or []), name]
            bulk.execute(
                cursor,
                f"SELECT paper_id, category FROM {PaperCategory._meta.db_table} "
                f"WHERE paper_id IN ({marks}) ORDER BY paper_id, position",
                list(chunk),
            )
            for paper_id, category in cursor.fetchall():
                state = by_id[paper_id]
                state.categories = [*(state.categories or []), category]
    return states


def _author_ids(names: Iterable[str], folded: Mapping[str, str]) -> dict[str, int]:
    """Author id for each folded name key, creating the authors that are new. ``folded``: name
    to key for the names a parsing process folded already (see :func:`write_links`)."""
    wanted: dict[str, str] = {}
    known = folded.get
    for name in names:
        key = known(name)
        wanted.setdefault(author_key(name) if key is None else key, name)
    table = Author._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _pg_author_ids(cursor, wanted)
        found: dict[str, int] = {}
        keys = list(wanted)
        for chunk in chunks(keys):
            bulk.execute(
                cursor, f"SELECT key, id FROM {table} WHERE key IN ({_marks(len(chunk))})", chunk
            )
            found.update(cursor.fetchall())
        missing = [key for key in keys if key not in found]
        pair = f"({_marks(2)})"
        # The new authors' ids come back from the INSERT itself (SQLite >= 3.35): the batch's
        # transaction took the write lock at BEGIN (IMMEDIATE), so no other writer can add one
        # of these keys in between, and every missing key is inserted and returned. A key that
        # did conflict all the same is read back below rather than lost.
        for chunk in chunks(missing, _AUTHOR_ROWS):
            bulk.execute(
                cursor,
                f"INSERT INTO {table} (name, key) VALUES {', '.join([pair] * len(chunk))} "
                "ON CONFLICT (key) DO NOTHING RETURNING key, id",
                [value for key in chunk for value in (wanted[key], key)],
            )
            found.update(cursor.fetchall())
        unreturned = [key for key in missing if key not in found]
        for chunk in chunks(unreturned):
            bulk.execute(
                cursor, f"SELECT key, id FROM {table} WHERE key IN ({_marks(len(chunk))})", chunk
            )
            found.update(cursor.fetchall())
    return found


def _pg_author_ids(cursor: Any, wanted: dict[str, str]) -> dict[str, int]:
    """PostgreSQL: one join finds the stored authors, the new ones go in by plain COPY with ids
    drawn first (``ON CONFLICT`` and reading ids back cost the server more: docs/performance.md,
    S56). If another transaction adds one meanwhile, the COPY's savepoint is rolled back and
    ``ON CONFLICT`` takes over."""
    table, keys = Author._meta.db_table, [(key,) for key in wanted]
    with bulk.staged(cursor, columns=("key",), pg_types=["varchar"], rows=keys) as stage:
        cursor.execute(f"SELECT a.key, a.id FROM {table} a JOIN {stage} s ON a.key = s.key")
        found = dict(cursor.fetchall())
    missing = [key for key in wanted if key not in found]
    if not missing:
        return found
    ids = bulk.new_ids(cursor, table=table, count=len(missing))
    try:
        with transaction.atomic():
            copied = ("id", "name", "key")
            bulk.copy_rows(
                cursor,
                table=table,
                columns=copied,
                rows=[(i, wanted[key], key) for i, key in zip(ids, missing, strict=True)],
                pg_types=pg_types(Author, copied),
            )
    except IntegrityError:
        columns = ("name", "key")
        rows = [(wanted[key], key) for key in missing]
        with bulk.staged(
            cursor, columns=columns, pg_types=pg_types(Author, columns), rows=rows
        ) as stage:
            cursor.execute(
                f"INSERT INTO {table} (name, key) SELECT name, key FROM {stage} "
                "ON CONFLICT (key) DO NOTHING"
            )
            cursor.execute(f"SELECT a.key, a.id FROM {table} a JOIN {stage} s ON a.key = s.key")
            found.update(cursor.fetchall())
        return found
    found.update(zip(missing, ids, strict=True))
    return found


def write_papers(new: list[PaperState], changed: list[PaperState]) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = Paper._meta.db_table
    types = pg_types(Paper, PAPER_COLUMNS)
    stamp = pg_types(Paper, ("updated_at",))
    row = row_converter()
    with connection.cursor() as cursor:
        if new and connection.vendor == "postgresql":
            ids = bulk.new_ids(cursor, table=table, count=len(new))  # nothing to read back
            for state, paper_id in zip(new, ids, strict=True):
                state.id = paper_id
            columns = ("id", *PAPER_COLUMNS, "created_at", "updated_at")
            bulk.copy_rows(
                cursor,
                table=table,
                columns=columns,
                # Made while the COPY stores the first ones (core/bulk.copy_rows).
                rows=([state.id, *row(state), now, now] for state in new),
                pg_types=pg_types(Paper, columns),
            )
        elif new:
            bulk.insert_rows(
                cursor,
                table=table,
                columns=(*PAPER_COLUMNS, "created_at", "updated_at"),
                pg_types=(*types, *stamp, *stamp),
                rows=[[*row(state), now, now] for state in new],
            )
            # A bulk insert cannot return ids in input order, and one INSERT ... RETURNING
            # per row is several times slower: read them back instead.
            by_arxiv_id = {state.arxiv_id: state for state in new}
            for chunk in chunks(list(by_arxiv_id)):
                bulk.execute(
                    cursor,
                    f"SELECT arxiv_id, id FROM {table} WHERE arxiv_id IN ({_marks(len(chunk))})",
                    list(chunk),
                )
                for arxiv_id, paper_id in cursor.fetchall():
                    by_arxiv_id[arxiv_id].id = paper_id
        if changed:
            bulk.update_rows(
                cursor,
                table=table,
                key="id",
                columns=(*PAPER_COLUMNS[1:], "updated_at"),
                pg_types=(*types[1:], *stamp),
                rows=[[*row(state)[1:], now, state.id] for state in changed],
            )


def _delete_links(cursor: Any, table: str, paper_ids: list[int]) -> None:
    for chunk in chunks(paper_ids):
        bulk.execute(cursor, f"DELETE FROM {table} WHERE paper_id IN ({_marks(len(chunk))})", chunk)


def write_links(
    states: list[PaperState],
    previous: dict[str, PaperState | None],
    *,
    folded: Mapping[str, str] | None = None,
) -> None:
    """Rewrite author and category rows of the papers whose lists changed. ``folded``: author
    names already folded to their keys (``PaperRecord.author_keys``), name to key; any other
    name is folded here."""
    folded = folded or {}
    author_changed = [
        s for s in states if s.authors is not None and s.authors != _prev(previous, s, "authors")
    ]
    category_changed = [
        s
        for s in states
        if s.categories is not None and s.categories != _prev(previous, s, "categories")
    ]
    author_columns = ("paper_id", "author_id", "position", "name")
    category_columns = ("paper_id", "category", "position")
    with connection.cursor() as cursor:
        if author_changed:
            _delete_links(cursor, PaperAuthor._meta.db_table, _stored_ids(author_changed, previous))
            author_ids = _author_ids(
                (name for s in author_changed for name in s.authors or []), folded
            )
            bulk.insert_rows(
                cursor,
                table=PaperAuthor._meta.db_table,
                columns=author_columns,
                pg_types=pg_types(PaperAuthor, author_columns),
                # Made while PostgreSQL's COPY stores the first ones (core/bulk.copy_rows).
                rows=_author_link_rows(author_changed, author_ids, folded),
            )
        if category_changed:
            _delete_links(
                cursor, PaperCategory._meta.db_table, _stored_ids(category_changed, previous)
            )
            bulk.insert_rows(
                cursor,
                table=PaperCategory._meta.db_table,
                columns=category_columns,
                pg_types=pg_types(PaperCategory, category_columns),
                rows=[
                    (state.id, category, position)
                    for state in category_changed
                    for position, category in enumerate(dict.fromkeys(state.categories or []))
                ],
            )


def _author_link_rows(
    states: list[PaperState], author_ids: dict[str, int], folded: Mapping[str, str]
) -> Iterator[tuple[int | None, int, int, str]]:
    known = folded.get
    for state in states:
        seen: set[int] = set()
        for name in state.authors or []:
            key = known(name)
            author_id = author_ids[author_key(name) if key is None else key]
            if author_id in seen:
                continue  # the same person listed twice on one paper
            seen.add(author_id)
            yield (state.id, author_id, len(seen) - 1, name)


def _stored_ids(states: list[PaperState], previous: dict[str, PaperState | None]) -> list[int]:
    return [s.id for s in states if s.id is not None and previous.get(s.arxiv_id) is not None]


def _prev(previous: dict[str, PaperState | None], state: PaperState, name: str) -> Any:
    old = previous.get(state.arxiv_id)
    return getattr(old, name) if old is not None else None
