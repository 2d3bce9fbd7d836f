"""digests/personal.py: personal order, keyword matches, first sentences (pure)."""

from __future__ import annotations

from paperfeed.digests import personal


class TestPersonal:
    def test_first_sentence_skips_abbreviations(self):
        assert personal.first_sentence("Diffusion, e.g. for proteins, works. Next.") == (
            "Diffusion, e.g. for proteins, works."
        )
        assert personal.first_sentence("We use  GPT-4.\nIt is big.") == "We use GPT-4."
        assert personal.first_sentence("") == ""
        long = "word " * 200
        assert len(personal.first_sentence(long)) <= personal.MAX_SENTENCE

    def test_matching_items_come_first_and_keep_their_order(self):
        items = ["a1", "b2", "a3", "b4", "a5"]
        ordered = personal.personal_order(
            items, matches=lambda s: s.startswith("a"), only_matching=False, limit=4
        )
        assert ordered == ["a1", "a3", "a5", "b2"]
        only = personal.personal_order(
            items, matches=lambda s: s.startswith("b"), only_matching=True, limit=10
        )
        assert only == ["b2", "b4"]

    def test_keyword_pattern_matches_whole_words_case_insensitively(self):
        pattern = personal.keyword_pattern(["speech", "graph neural", "c++"])
        assert pattern is not None
        assert pattern.search("Automatic SPEECH recognition")
        assert pattern.search("graph neural networks")
        assert pattern.search("written in C++ today")
        assert not pattern.search("speeches")
        assert personal.keyword_pattern(["", "  "]) is None
