from datetime import UTC, datetime

import bibtexparser

from paperfeed.library.exports import as_bibtex, as_csv
from paperfeed.library.selectors import Entry
from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow


def _entry(pk: int, title: str, *, note: str = "", tags=()) -> Entry:
    paper = Paper(
        pk=pk,
        arxiv_id=f"2401.{pk:05d}",
        title=title,
        published=datetime(2024, 1, 2, tzinfo=UTC),
        primary_category="cs.LG",
    )
    row = PaperRow(paper=paper, authors=["Ada Lovelace", "Charles } Babbage"], categories=["cs.LG"])
    return Entry(row, note=note, tags=list(tags))


def test_bibtex_export_parses_back_with_unique_keys_and_notes():
    entries = [
        _entry(1, "Analytical engines"),
        _entry(2, "Analytical engines again", note="see {this}", tags=["x", "y"]),
    ]
    parsed = bibtexparser.parse_string(as_bibtex(entries))
    assert not parsed.failed_blocks
    keys = [e.key for e in parsed.entries]
    assert keys == ["lovelace2024analytical", "lovelace2024analyticalb"]
    second = parsed.entries[1].fields_dict
    assert second["eprint"].value == "2401.00002"
    assert second["note"].value == "see this"
    assert second["keywords"].value == "x, y"
    assert as_bibtex([]) == ""


def test_csv_export_has_a_header_and_defuses_formulas():
    text = as_csv([_entry(1, '=HYPERLINK("http://evil")', note="+1", tags=["t"])])
    lines = text.splitlines()
    assert lines[0] == "arxiv_id,title,authors,categories,published,url,note,tags"
    assert lines[1].startswith("2401.00001,\"'=HYPERLINK(")
    assert ",'+1,t" in lines[1]
