"""The verbs of research abstracts, found in the real corpus, for the keyword extractor.

A key phrase must not hold a verb ("research concentrates", "emit chains-of-thought"). The
hand-written list in `paperfeed/papers/glance/vocabulary.py` covers the usual ones; this finds
the rest the way a reader tells them: a word that follows "we" or a modal ("we emit", "can
represent") far more often than an article or a possessive ("the model", "our design") is a
verb, and so is its "-s" form when that rarely follows an article either. Participles ("masked",
"supervised") and "-ing" forms are left out: they name things too often ("supervised learning").

    .venv/bin/python -m bench.glance_verbs [--min 5] > paperfeed/papers/glance/verbs.py

The output is a fixed list committed with the code: a paper's keywords never change as the
catalogue grows.
"""

from __future__ import annotations

import argparse
import itertools
import re
import textwrap
from collections import Counter

from bench.common import require_shared
from bench.glance_speed import corpus
from paperfeed.papers.glance.vocabulary import EDGE, FUNCTION, ING_NOUNS, LY_NOUNS

_WORD = re.compile(r"[a-z][a-z\-]*")
VERB_BEFORE = {"we", "can", "will", "may", "might", "could", "should", "would", "must", "cannot"}
# Words the rule takes for verbs that are not ("we now", "we therefore").
NOT_VERBS = {"now", "soon", "therefore", "don", "go", "found", "term"}
NOUN_BEFORE = {"the", "a", "an", "our", "this", "these", "its", "their", "each", "such"}


def counts(texts: list[str]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    as_verb: Counter[str] = Counter()
    as_noun: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for text in texts:
        words = _WORD.findall(text.lower())
        seen.update(words)
        for before, word in itertools.pairwise(words):
            if before in VERB_BEFORE:
                as_verb[word] += 1
            elif before in NOUN_BEFORE:
                as_noun[word] += 1
    return as_verb, as_noun, seen


def verbs(texts: list[str], *, minimum: int) -> list[str]:
    as_verb, as_noun, seen = counts(texts)
    found: set[str] = set()
    for word, count in as_verb.items():
        if count < minimum or count < 4 * as_noun[word] or word in FUNCTION | EDGE | NOT_VERBS:
            continue
        if word.endswith(("ing", "ed")) or (word.endswith("ly") and word not in LY_NOUNS):
            continue
        found.add(word)
        sibilant = word.endswith(("s", "x", "z", "ch", "sh", "o"))
        third = f"{word}es" if sibilant else f"{word[:-1]}ies" if word.endswith("y") else ""
        for form in (f"{word}s", third):
            # "-s" forms that follow an article are plural nouns ("the designs"): not verbs.
            if form and seen[form] >= 2 and as_noun[form] * 4 <= seen[form] * 0.2:
                found.add(form)
    return sorted(found - ING_NOUNS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--min", type=int, default=5)
    args = parser.parse_args()
    require_shared()
    texts = [f"{p['title']}. {p['summary']}" for p in corpus().values()]
    found = verbs(texts, minimum=args.min)
    body = textwrap.fill(
        " ".join(found),
        width=92,
        initial_indent="    ",
        subsequent_indent="    ",
        break_on_hyphens=False,
    )
    print(
        '"""Verbs of research abstracts (and their "-s" forms), which no key phrase holds:\n'
        "generated from the real corpus by `python -m bench.glance_verbs` (pure data; a fixed\n"
        'list, so a paper\'s keywords never change as the catalogue grows)."""\n\n'
        "from __future__ import annotations\n\n"
        f'_WORDS = """\n{body}\n"""\nCORPUS_VERBS = frozenset(_WORDS.split())'
    )


if __name__ == "__main__":
    main()
