"""What a member's kept paper page shows beyond the paper's row and featured entries, as parts
of the read of everything it shows (papers.selectors.paper_shown_query): the thumbnail, the
glance, the authors and categories, and the similar papers. A kept body whose read is unchanged
at the end of its interval is kept another interval rather than built again
(core/readerslots.py).

Each part is one scalar expression over the paper's row ("papers_paper"), the same text on
SQLite and PostgreSQL, that moves whenever what the page shows of it changes: a row's own
columns where it has one (thumbnail, glance), else checksums of the rows the page lists.
"""

from __future__ import annotations

from paperfeed.core import bodykeep
from paperfeed.papers.glance.models import PaperGlance
from paperfeed.papers.models import Featured, Paper, PaperAuthor, PaperCategory, Thumbnail
from paperfeed.papers.similar.models import SimilarPaper
from paperfeed.papers.thumbnails import thumbnail_path

PAPER_TABLE = f'"{Paper._meta.db_table}"'
PAPER = f'{PAPER_TABLE}."id"'

# name -> (SQL, whether a paper's card shows it): the parts every app registered (below, and
# from community's and trending's ready()), so papers names no table of an app above it. Read
# by papers.selectors, and by papers.list_shown for the parts cards show.
_parts: dict[str, tuple[str, bool]] = {}


def paper_shown_part_register(name: str, sql: str, *, on_cards: bool = True) -> None:
    """Read ``sql`` (a scalar expression over "papers_paper") with every
    ``papers.selectors.paper_shown_query``, and, ``on_cards``, with a member's kept list's read
    of its papers (papers/list_shown.py); a part must move whenever what the page shows of it
    changes."""
    if not name.isidentifier():
        raise ValueError(f"not a name: {name!r}")
    _parts[name] = sql, on_cards


def registered(*, cards: bool = False) -> tuple[str, ...]:
    """The registered parts' SQL, in the order of their names; ``cards``: only those a paper's
    card shows (not its similar papers or charts)."""
    return tuple(sql for _, (sql, on_cards) in sorted(_parts.items()) if on_cards or not cards)


def shown_values(registered: tuple[str, ...]) -> list[str]:
    """Everything a paper shows, as SQL expressions over "papers_paper": its row's columns, its
    featured entries (their number, newest day, highest source count, pins, hides, newest
    change) and ``registered`` (:func:`registered`), one scalar subquery each."""
    columns = [f'{PAPER_TABLE}."{field.column}"' for field in Paper._meta.concrete_fields]
    featured = (
        "(SELECT CAST(COUNT(*) AS TEXT) || '|' || "  # noqa: S608
        + " || '|' || ".join(
            _text(value)
            for value in (
                "MAX(day)",
                "MAX(upvotes)",
                "SUM(CASE WHEN pinned THEN 1 ELSE 0 END)",
                "SUM(CASE WHEN hidden THEN 1 ELSE 0 END)",
                "MAX(updated_at)",
            )
        )
        + f" FROM {Featured._meta.db_table} WHERE paper_id = {PAPER})"
    )
    return [*columns, featured, *registered]


def shown_select(registered: tuple[str, ...]) -> str:
    """``SELECT`` of :func:`shown_values` from "papers_paper", to which a caller adds its
    ``WHERE``: what a paper page reads of its paper."""
    return f"SELECT {', '.join(shown_values(registered))} FROM {PAPER_TABLE}"  # noqa: S608


def shown_digest(registered: tuple[str, ...]) -> str:
    """``SELECT`` of each paper's id and an MD5 digest of its :func:`shown_values` (each NULL
    as ''), to which a caller adds its ``WHERE``: what a list reads of its papers, one short
    text a paper instead of its row (converting a page's dates and texts in the worker cost
    more than the rest of the read)."""
    return f"SELECT {PAPER}, MD5({joined(*shown_values(registered))}) FROM {PAPER_TABLE}"  # noqa: S608


def _text(column: str) -> str:
    """``column`` as text, '' for NULL (a NULL in a concatenation makes the whole NULL)."""
    return f"COALESCE(CAST({column} AS TEXT), '')"


def joined(*columns: str) -> str:
    """The columns (or aggregates) as one text, each NULL as '': a part's value (apps above
    papers build theirs with it too)."""
    return " || '|' || ".join(_text(column) for column in columns)


def _thumbnail_file(arxiv_id: str) -> bool:
    return thumbnail_path(arxiv_id).is_file()


def _similar_index(_: str) -> str | None:
    # Imported here: this module is imported from PapersConfig.ready(), and the similar
    # selectors bring the search modules (tantivy), which django.setup() must not load.
    from paperfeed.papers.similar.selectors import index_name

    return index_name()


def register() -> None:
    """Papers' own parts (from PapersConfig.ready()), and the files a kept page shows: whether
    a thumbnail's file is there, which similar-papers index is live (core/bodykeep.watch)."""
    bodykeep.watcher_register("thumbnail", _thumbnail_file)
    bodykeep.watcher_register("similar", _similar_index)
    paper_shown_part_register(
        "thumbnail",
        f"(SELECT {joined('state', 'updated_at', 'width', 'height')}"  # noqa: S608
        f" FROM {Thumbnail._meta.db_table} WHERE paper_id = {PAPER})",
    )
    # The keywords, the summary and the AI sentence (chosen by its text key): the page shows
    # one of the texts, so all of them, digested (MD5 is registered on SQLite by Django).
    paper_shown_part_register(
        "glance",
        "(SELECT MD5("  # noqa: S608
        + joined(
            "keywords", "summary", "text_key", "version", "ai_summary", "ai_text_key", "ai_state"
        )
        + f") FROM {PaperGlance._meta.db_table} WHERE paper_id = {PAPER})",
    )
    # The authors' names (as the paper writes them) and the identities they link to: an
    # import that changes them also writes the paper's row, a merge of authors does not.
    paper_shown_part_register(
        "authors",
        "(SELECT "  # noqa: S608
        + joined("COUNT(*)", "SUM(author_id * (position + 1))", "SUM(LENGTH(name))")
        + f" FROM {PaperAuthor._meta.db_table} WHERE paper_id = {PAPER})",
    )
    paper_shown_part_register(
        "categories",
        "(SELECT "  # noqa: S608
        + joined("COUNT(*)", "SUM(LENGTH(category) * (position + 1))")
        + f" FROM {PaperCategory._meta.db_table} WHERE paper_id = {PAPER})",
    )
    # The similar papers: which visible neighbours, in which order, and the newest change of
    # any of them (a hide moves the count and sum, an edit or import its row's updated_at).
    paper_shown_part_register(
        "similar",
        "(SELECT "  # noqa: S608
        + joined("COUNT(*)", "SUM(s.neighbour_id * (s.rank + 1))", "MAX(n.updated_at)")
        + f" FROM {SimilarPaper._meta.db_table} s JOIN {Paper._meta.db_table} n"
        f" ON n.id = s.neighbour_id WHERE s.paper_id = {PAPER} AND NOT n.hidden)",
        on_cards=False,
    )
