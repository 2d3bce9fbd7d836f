"""The engine's answers stay what they were: the same ids in the same order and the same counts
as the start commit of the per-query CPU work (f1cdfda) gave, for a set of queries of every kind
on a fixture index written here (three segments, so ties and segment order count too).

The expected answers (``textindex_answers.json``) were written by this module run against that
commit's code: ``PYTHONPATH=/tmp/base:. .venv/bin/python tests/papers/test_textindex_query.py >
tests/papers/textindex_answers.json`` with ``/tmp/base`` holding ``git archive f1cdfda``.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import tantivy

from paperfeed.papers import textindex, textindex_query, textindex_recent, textindex_words

EXPECTED = Path(__file__).with_name("textindex_answers.json")
COMMON = ["model", "models", "learning", "neural", "network", "networks", "language", "data"]
MIDDLE = [
    "graph", "diffusion", "attention", "sparse", "vision", "robust", "training", "agents",
    "reasoning", "retrieval", "quantum", "inverse", "image", "real-world", "multi-agent",
    "image-based", "benchmark", "survey", "efficient", "transformer",
]  # fmt: skip
RARE = ["helios", "turbine", "sudoku", "proteomics", "gabor", "rectal", "affordances", "lvlm"]
NAMES = ["Ada Smith", "Bo Chen", "Carla Núñez", "Dan O'Brien", "Eve Graph", "Fei Li", "Gus Neural"]
CATEGORIES = ["cs.LG", "cs.CL", "cs.CV", "stat.ML", "math.OC"]
# (terms, phrases, author words, categories, years, newest first)
QUERIES: list[tuple] = [
    (["model"], [], [], [], None, False),
    (["graph"], [], [], [], None, False),
    (["helios"], [], [], [], None, False),
    (["real-world"], [], [], [], None, False),
    (["language", "models"], [], [], [], None, False),
    (["neural", "network"], [], [], [], None, False),
    (["graph", "neural", "networks"], [], [], [], None, False),
    (["image-based", "inverse"], [], [], [], None, False),
    (["multi-agent", "learning"], [], [], [], None, False),
    (["sparse", "attention", "transformer", "efficient"], [], [], [], None, False),
    (["learning"], [], [], ["cs.LG"], None, False),
    (["data", "models"], [], [], ["cs.CL", "cs.CV"], None, False),
    (["model"], [], [], [], (2021, 2022), False),
    (["network"], [], [], ["cs.LG"], (2020, 2023), False),
    ([], [], [["smith"]], [], None, False),
    (["model"], [], [["chen"]], [], None, False),
    (["graph"], [], [["graph"]], [], None, False),
    (["learning", "data"], [], [["li"]], [], None, False),
    ([], [["language", "models"]], [], [], None, False),
    (["data"], [["neural", "network"]], [], [], None, False),
    (["model"], [], [], [], None, True),
    (["language", "models"], [], [], [], None, True),
    ([], [], [], ["cs.CV"], None, True),
    ([], [], [], [], (2022, 2022), True),
    (["nothingatall"], [], [], [], None, False),
]
CAPS = (None, 40, 400)
OFFSETS = (0, 20)


def corpus(seed: int = 17) -> list[textindex.Entry]:
    rng = random.Random(seed)

    def words(count: int) -> str:
        out = []
        for _ in range(count):
            pool = rng.choices((COMMON, MIDDLE, RARE), weights=(6, 3, 0.2))[0]
            out.append(rng.choice(pool))
        return " ".join(out)

    start = datetime(2019, 1, 1, tzinfo=UTC).timestamp()
    entries = []
    for pk in range(1, 2401):
        entries.append(
            textindex.Entry(
                paper_id=pk,
                title=words(rng.randint(3, 9)).capitalize(),
                abstract=words(rng.randint(20, 70)),
                authors=", ".join(rng.sample(NAMES, k=rng.randint(1, 3))),
                categories=rng.sample(CATEGORIES, k=rng.randint(1, 2)),
                published=int(start + rng.randrange(0, 6 * 365 * 86400)),
                is_stub=rng.random() < 0.1,
            )
        )
    return entries


def fixture_index(path: Path) -> tantivy.Index:
    index = tantivy.Index(textindex.schema(), path=str(path), reuse=False)
    entries = corpus()
    # Three commits by one thread: three segments, the same every time.
    for part in (entries[:900], entries[900:1700], entries[1700:]):
        textindex.write_entries(index, part, replace=False, threads=1)
    index.reload()
    return index


def answers(index: tantivy.Index) -> list[dict]:
    out = []
    for terms, phrases, authors, categories, years, by_date in QUERIES:
        for cap in CAPS:
            for offset in OFFSETS:
                ids, total = textindex.search(
                    index,
                    terms=terms,
                    phrases=phrases,
                    author_terms=authors,
                    categories=categories,
                    years=years,
                    hidden=[7, 8, 9],
                    by_date=by_date,
                    limit=20,
                    offset=offset,
                    count_cap=cap,
                )
                out.append(
                    {
                        "query": [terms, phrases, authors, categories, years, by_date],
                        "cap": cap,
                        "offset": offset,
                        "ids": ids,
                        "total": total,
                    }
                )
    return out


def test_every_kind_of_query_answers_as_the_start_commit_did(tmp_path):
    index = fixture_index(tmp_path)
    assert index.searcher().num_segments == 3
    expected = json.loads(EXPECTED.read_text())
    got = json.loads(json.dumps(answers(index)))  # tuples as the file holds them
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        # The count as pages show it: exact below the cap, the cap above (the engine may or
        # may not have counted past it, as the start commit did too).
        for answer in (mine, theirs):
            if answer["cap"] is not None:
                answer["total"] = min(answer["total"], answer["cap"])
        assert mine == theirs


def test_the_fixture_reaches_the_capped_title_path_and_the_full_walk(tmp_path):
    # Both plans of textindex_query.best are exercised: some counts stop at a cap, others not.
    expected = json.loads(EXPECTED.read_text())
    capped = [a for a in expected if a["cap"] is not None and a["total"] == a["cap"]]
    exact = [a for a in expected if a["total"] and (a["cap"] is None or a["total"] < a["cap"])]
    assert len(capped) >= 10 and len(exact) >= 20
    assert any(a["ids"] for a in capped if len(a["query"][0]) == 2)


def test_title_led_query_scores_as_the_text_query_built_by_the_parser(tmp_path):
    # Each field's clause is built directly; its form must be the query parser's own.
    index = fixture_index(tmp_path)
    for term in ["graph", "real-world", "models", "Núñez", "x2", "multi-agent-based"]:
        parsed = repr(textindex_query.text_query(index, terms=[term], phrases=[], author_terms=[]))
        pieces = textindex_query.field_clauses(index, term)
        assert pieces is not None
        for piece in pieces:
            assert repr(piece).removeprefix("Query(").removesuffix(")") in parsed
    # A word over 40 letters is dropped by the analysis, leaving a gap in the parser's phrase.
    assert textindex_query.field_clauses(index, "graph-" + "x" * 41 + "-neural") is None
    assert textindex_query.title_led_query(index, terms=["a-" + "x" * 41], author_terms=[]) is None


def test_newest_first_tries_the_recent_dates_only_when_the_cap_is_likely_reached_there(
    tmp_path, monkeypatch
):
    index = fixture_index(tmp_path)
    searcher = index.searcher()
    tried: list[str] = []
    span = textindex_recent._span
    monkeypatch.setattr(
        textindex_recent, "_span", lambda *args: tried.append("recent") or span(*args)
    )
    # "model" is in nearly every paper: 2,400 x 2/8 >= 40; three rare words: a handful.
    assert textindex_query.likely_matches(searcher, ["model"]) > 2000
    assert textindex_query.likely_matches(searcher, ["helios", "sudoku", "gabor"]) < 40
    assert textindex_query.likely_matches(searcher, []) is None
    textindex.search(index, terms=["model"], by_date=True, count_cap=40)
    assert tried == ["recent"]
    textindex.search(index, terms=["helios", "sudoku", "gabor"], by_date=True, count_cap=40)
    textindex.search(index, terms=["model"], by_date=True, count_cap=None)
    assert tried == ["recent"]
    textindex.search(index, categories=["cs.CV"], by_date=True, count_cap=40)
    assert tried == ["recent", "recent"], "no words: every paper of the filters may match"


def test_stem_frequencies_walked_under_a_shared_start_are_the_look_ups_one_by_one(
    tmp_path, monkeypatch
):
    from paperfeed.papers import spelling

    index = fixture_index(tmp_path)
    searcher = index.searcher()
    fields = ("title", "abstract")
    stems = set(textindex_query.STEMMED.analyze(" ".join(spelling.edits1("nerual"))))
    stems |= set(textindex_query.STEMMED.analyze(" ".join(spelling.edits1("atention"))))
    stems |= {"neural", "network", "model", "zzzz", "ne", "n"}
    expected = {stem: max(searcher.doc_freq(field, stem) for field in fields) for stem in stems}
    assert sum(1 for count in expected.values() if count) >= 4
    walks: list[str] = []
    walk = searcher.terms_with_prefix

    class Counting:
        def terms_with_prefix(self, field: str, start: str, limit: int) -> list:
            walks.append(start)
            return walk(field, start, limit=limit)

        def doc_freq(self, field: str, stem: str) -> int:
            return searcher.doc_freq(field, stem)

    assert textindex_words.stem_frequencies(Counting(), stems, fields) == expected
    assert "neru" in walks and "aten" in walks, "the typed words' starts are walked"
    # Every start walked, even a lone stem's: those with more terms under them than four per
    # stem fall back to look-ups; the answers stay the same.
    monkeypatch.setattr(textindex_words, "PREFIX_GROUP", 1)
    assert textindex_words.stem_frequencies(searcher, stems, fields) == expected


if __name__ == "__main__":
    import os
    import tempfile

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    django.setup()

    with tempfile.TemporaryDirectory() as folder:
        found = answers(fixture_index(Path(folder)))
        sys.stdout.write("[\n" + ",\n".join(json.dumps(a) for a in found) + "\n]\n")
