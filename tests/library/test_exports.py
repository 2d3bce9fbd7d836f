from datetime import UTC, datetime

import bibtexparser

from paperfeed.library.exports import as_bibtex, as_csv, as_id_list
from paperfeed.library.importing import scan_id_list
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


def test_id_list_export_is_one_arxiv_id_a_line_that_imports_back_in_order():
    entries = [_entry(3, "Third"), _entry(1, "First", note="n", tags=["t"]), _entry(2, "Second")]
    text = as_id_list(entries)
    assert text == "2401.00003\n2401.00001\n2401.00002\n"
    assert scan_id_list(text).ids == ["2401.00003", "2401.00001", "2401.00002"]
    assert as_id_list([]) == ""
