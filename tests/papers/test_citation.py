from datetime import UTC, datetime

from paperfeed.papers.citation import bibtex, bibtex_file, bibtex_key
from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow


def _row(title: str, authors: list[str]) -> PaperRow:
    paper = Paper(
        pk=7,
        arxiv_id="2401.00007",
        title=title,
        published=datetime(2024, 5, 1, tzinfo=UTC),
        primary_category="cs.CL",
    )
    return PaperRow(paper=paper, authors=authors)


def test_entry_in_arxivs_form_with_braces_from_outside_removed():
    text = bibtex(_row("A {title} } with braces", ["Ada Lovelace", "Bad } Name"]))
    assert text.startswith("@misc{lovelace2024title,\n")
    assert "title={A title with braces}" in text
    assert "author={Ada Lovelace and Bad Name}" in text
    assert "eprint={2401.00007}" in text and "archivePrefix={arXiv}" in text


def test_keys_without_authors_and_unique_keys_in_a_file():
    assert bibtex_key(_row("On it", [])) == "anonymous2024paper"
    row = _row("Same title", ["Ada Lovelace"])
    text = bibtex_file([(row, ()), (row, ()), (row, [("note", "n")])])
    assert [line for line in text.splitlines() if line.startswith("@misc")] == [
        "@misc{lovelace2024same,",
        "@misc{lovelace2024sameb,",
        "@misc{lovelace2024samec,",
    ]
    assert "note={n}" in text
