from __future__ import annotations

from datetime import date

from paperfeed.papers.records import (
    MAX_TITLE,
    FeaturedRecord,
    PaperRecord,
    check_record,
    strip_nul,
    upsert_problem,
)


def _record(**values) -> PaperRecord:
    return PaperRecord(
        **{"arxiv_id": "2503.00001", "source": "listing", "title": "A title", **values}
    )


def test_strip_nul_says_whether_it_removed_any():
    clean = _record(authors=["Ada Lovelace"], abstract="text")
    assert strip_nul(clean) is False
    assert (clean.title, clean.authors, clean.abstract) == ("A title", ["Ada Lovelace"], "text")
    dirty = _record(
        authors=["Ada\x00 Lovelace"],
        comments="c\x00",
        featured=FeaturedRecord(day=date(2025, 3, 1), submitter="s\x00", comment="\x00x"),
    )
    assert strip_nul(dirty) is True
    assert (dirty.authors, dirty.comments) == (["Ada Lovelace"], "c")
    assert dirty.featured is not None
    assert (dirty.featured.submitter, dirty.featured.comment) == ("s", "x")


def test_a_checked_record_is_checked_again_only_when_stripping_changed_it():
    # The parsers checked it already (their finish): a record that stripping changes may have
    # become unacceptable (a title of NULs is empty now), one it leaves alone has not.
    assert upsert_problem(_record(title="\x00\x00"), checked=True) == "empty title"
    assert upsert_problem(_record(title="t" * (MAX_TITLE + 1)), checked=True) is None
    assert upsert_problem(_record(title="t" * (MAX_TITLE + 1))) is not None


def test_author_names_are_bounded_in_characters_then_in_bytes():
    assert check_record(_record(authors=["a" * 1_000, "漢" * 600])) is None
    assert check_record(_record(authors=["b", "a" * 1_001])) == (
        "an author name longer than 1000 characters"
    )
    assert check_record(_record(authors=["b", "漢" * 700])) == (
        "an author name longer than 2000 bytes"
    )
    assert check_record(_record(authors=[])) is None


def test_the_other_text_fields_are_bounded():
    assert check_record(_record(doi="d" * 5_001)) == "doi longer than 5000 characters"
    assert check_record(_record(doi="d" * 5_000, comments="")) is None


def test_author_keys_folded_before_a_nul_was_stripped_are_dropped():
    record = _record(authors=["Ada\x00 Lovelace", "Alan Turing"])
    record.author_keys = ["ada\x00 lovelace", "alan turing"]
    assert upsert_problem(record, checked=True) is None
    assert (record.authors, record.author_keys) == (["Ada Lovelace", "Alan Turing"], None)
    kept = _record(authors=["Ada Lovelace"], author_keys=["ada lovelace"])
    assert upsert_problem(kept, checked=True) is None and kept.author_keys == ["ada lovelace"]
    # Derived from the names: no part of a record's identity, and handed over with it.
    assert kept == _record(authors=["Ada Lovelace"])
    import pickle

    assert pickle.loads(pickle.dumps(kept)).author_keys == ["ada lovelace"]  # noqa: S301
