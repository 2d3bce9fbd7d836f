import pytest

from paperfeed.library.importing import (
    MAX_IMPORT_CHARS,
    MAX_IMPORT_ENTRIES,
    ImportRefused,
    scan_bibtex,
    scan_id_list,
)


def test_id_list_reads_every_form_once_and_reports_the_rest():
    scan = scan_id_list(
        "2401.00001, arXiv:2401.00002v3\nhttps://arxiv.org/abs/hep-th/9901001;"
        " not-an-id 2401.00001 https://arxiv.org/pdf/2401.00003v1"
    )
    assert scan.ids == ["2401.00001", "2401.00002", "hep-th/9901001", "2401.00003"]
    assert scan.skipped == [("not-an-id", "not an arXiv id")]


def test_empty_and_oversized_lists_are_refused_with_a_reason():
    with pytest.raises(ImportRefused, match="empty"):
        scan_id_list("  \n ")
    with pytest.raises(ImportRefused, match="too much"):
        scan_id_list("2401.00001 " * (MAX_IMPORT_CHARS // 10))
    with pytest.raises(ImportRefused, match="at most"):
        scan_id_list(" ".join(f"2401.{n:05d}" for n in range(MAX_IMPORT_ENTRIES + 1)))


BIB = r"""
@article{vaswani, title={Attention Is All You Need}, journal={arXiv preprint arXiv:1706.03762}}
@misc{arxivstyle, title={A {B}raced title}, eprint={2401.00001v2}, archivePrefix={arXiv}}
@misc{byDoi, doi={10.48550/arXiv.2310.06825}}
@online{byUrl, url = "https://arxiv.org/pdf/2401.00009v2.pdf"}
@misc{field, arxivid = {hep-th/9901001}}
@book{knuth, title={The Art of Computer Programming}, year=1968}
@misc{notarxiv, eprint={12345}, archivePrefix={HAL}}
@misc{again, eprint={2401.00001}}
@article{broken, title={unterminated
"""


def test_bibtex_finds_arxiv_ids_wherever_references_write_them():
    scan = scan_bibtex(BIB)
    assert scan.ids == ["1706.03762", "2401.00001", "2310.06825", "2401.00009", "hep-th/9901001"]
    skipped = dict(scan.skipped)
    assert skipped["knuth"] == "no arXiv id in this entry"
    assert skipped["notarxiv"] == "no arXiv id in this entry"
    assert any(why == "not valid BibTeX" for why in skipped.values())


@pytest.mark.parametrize(
    "hostile",
    [
        "@misc{k, title={" + "{" * 50_000 + "}",  # deep nesting: no recursion error
        "@" * 100_000,
        '"' * 100_000,
        '@string{a = "x"}\n' + "@misc{k, t = a # a # a}\n" * 2000,
        "\x00\x01 binary \xff garbage",
        "@comment{" + "x" * 100_000,
    ],
)
def test_hostile_bibtex_gives_a_report_or_a_clear_refusal_never_a_crash(hostile):
    try:
        scan = scan_bibtex(hostile)
    except ImportRefused as exc:
        assert str(exc)
    else:
        assert scan.ids == []


def test_bibtex_size_and_entry_caps():
    with pytest.raises(ImportRefused, match="too much"):
        scan_bibtex("%" * (MAX_IMPORT_CHARS + 1))
    many = "".join(
        f"@misc{{k{n}, eprint={{2401.{n:05d}}}}}\n" for n in range(MAX_IMPORT_ENTRIES + 1)
    )
    with pytest.raises(ImportRefused, match="entries"):
        scan_bibtex(many)
    with pytest.raises(ImportRefused, match="No BibTeX entries"):
        scan_bibtex("just some words")
