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
from paperfeed.papers.models import Paper, PaperAuthor, PaperCategory, Thumbnail
from paperfeed.papers.similar.models import SimilarPaper
from paperfeed.papers.thumbnails import thumbnail_path

PAPER_TABLE = f'"{Paper._meta.db_table}"'
PAPER = f'{PAPER_TABLE}."id"'

# name -> SQL: the parts every app registered (below, and from community's and trending's
# ready()), so papers names no table of an app above it. Read by papers.selectors.
_parts: dict[str, str] = {}


def paper_shown_part_register(name: str, sql: str) -> None:
    """Read ``sql`` (a scalar expression over "papers_paper") with every
    ``papers.selectors.paper_shown_query``; a part must move whenever what the page shows of it
    changes."""
    if not name.isidentifier():
        raise ValueError(f"not a name: {name!r}")
    _parts[name] = sql


def registered() -> tuple[str, ...]:
    """The registered parts' SQL, in the order of their names."""
    return tuple(sql for _, sql in sorted(_parts.items()))


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
    )
