"""A paper's key phrases, extracted offline from its title and abstract with YAKE.

Pure: no Django imports. YAKE (a statistical, unsupervised extractor: word position, case,
frequency and context in the one text) needs no model and no corpus, so a paper's keywords
depend on that paper alone and never change when the catalogue grows. It runs at a few hundred
papers a second on one core (docs/architecture.md has the figures and why not KeyBERT).
"""

from __future__ import annotations

import re
from functools import lru_cache

import yake

from paperfeed.papers.similar.text import strip_markup

MIN_KEYWORDS = 3
MAX_KEYWORDS = 6
# Phrases of up to this many words; YAKE's candidates beyond three words are mostly clauses.
MAX_WORDS = 3
MAX_PHRASE_CHARS = 60
# Candidates asked of YAKE before the filters below pick the few shown.
_CANDIDATES = 30
# YAKE's own near-duplicate cut (sequence similarity between candidates).
_DEDUP = 0.7
# Words a key phrase may not start or end with, beyond YAKE's stop words: the vocabulary of
# every abstract ("we propose a novel approach") says nothing about this one.
_GENERIC = frozenset(
    [
        "approach",
        "approaches",
        "method",
        "methods",
        "framework",
        "frameworks",
        "model",
        "models",
        "paper",
        "papers",
        "work",
        "works",
        "results",
        "result",
        "study",
        "studies",
        "novel",
        "new",
        "proposed",
        "propose",
        "proposes",
        "propose",
        "task",
        "tasks",
        "problem",
        "problems",
        "performance",
        "state",
        "art",
        "existing",
        "recent",
        "challenge",
        "challenges",
        "extensive",
        "experiments",
        "experiment",
        "experimental",
        "demonstrate",
        "demonstrates",
        "show",
        "shows",
        "based",
        "using",
        "use",
        "used",
        "significant",
        "significantly",
        "effective",
        "effectively",
        "efficient",
        "efficiently",
        "various",
        "different",
        "several",
        "including",
        "address",
        "key",
        "main",
        "first",
        "second",
        "also",
        "however",
        "propose",
        "introduce",
        "introduces",
        "present",
        "presents",
        "paradigm",
        "technique",
        "techniques",
        "strategy",
        "strategies",
        "outperforms",
        "outperform",
        "achieve",
        "achieves",
        "better",
        "improved",
        "improve",
        "improves",
        "exploiting",
        "leveraging",
        "benchmarking",
        "exploring",
        "facilitate",
        "facilitating",
        "improving",
        "enabling",
        "enable",
        "evaluating",
        "towards",
        "toward",
        "via",
        "large",
        "deep",
        "neural",
        "language",
        "vision",
        "visual",
        "multimodal",
    ]
)
# Words that join the two halves of a clause rather than name a thing ("robust and
# generalizable", "benefits of visual"): a key phrase holds none of them.
# Words a key phrase may not end with: YAKE cuts clauses mid-way ("recognition systems built").
_BAD_LAST = frozenset(
    [
        "built",
        "due",
        "employing",
        "embedded",
        "experience",
        "decomposes",
        "using",
        "based",
        "related",
        "driven",
        "aware",
        "specific",
        "called",
        "named",
        "termed",
        "known",
        "shown",
        "given",
        "per",
    ]
)
_JOINING = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "to",
        "for",
        "in",
        "on",
        "with",
        "by",
        "from",
        "at",
        "as",
        "is",
        "are",
        "be",
    ]
)
_WORD = re.compile(r"[^\W_][\w\-']*", re.UNICODE)
_HAS_LETTER = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def _extractor() -> yake.KeywordExtractor:
    return yake.KeywordExtractor(lan="en", n=MAX_WORDS, dedup_lim=_DEDUP, top=_CANDIDATES)


def _display(phrase: str) -> str:
    """The phrase as a chip shows it: words in lower case unless they carry their own capitals
    (acronyms and names such as "LLM", "GPT-4o", "LoRA")."""
    words = []
    for word in phrase.split():
        parts = word.split("-")
        keeps_case = any(
            any(ch.isupper() for ch in part[1:]) or (part.isupper() and part.isalpha())
            for part in parts
        )
        words.append(word if keeps_case else word.lower())
    return " ".join(words)


def _usable(phrase: str) -> bool:
    words = [w.lower() for w in _WORD.findall(phrase)]
    if not words or len(phrase) > MAX_PHRASE_CHARS or not _HAS_LETTER.search(phrase):
        return False
    if words[0] in _GENERIC or words[-1] in _GENERIC or words[-1] in _BAD_LAST:
        return False
    if _JOINING.intersection(words):
        return False
    # A single plain word ("learning", "weather") is too vague for a chip; names and acronyms
    # ("LoRA", "GPT-4", "ROS-SAM") are kept.
    return len(words) > 1 or any(ch.isupper() or ch.isdigit() for ch in phrase[1:])


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(_stem(word) for word in _WORD.findall(phrase))


def keywords_extract(title: str, abstract: str, *, limit: int = MAX_KEYWORDS) -> list[str]:
    """Up to ``limit`` key phrases of a paper, best first; fewer than ``MIN_KEYWORDS`` (or none)
    only when the text has no more worth showing."""
    text = strip_markup(f"{title or ''}. {abstract or ''}").strip(" .")
    if len(_WORD.findall(text)) < 5:
        return []
    chosen: list[str] = []
    keys: list[tuple[str, ...]] = []
    for phrase, _score in _extractor().extract_keywords(text):
        phrase = " ".join(phrase.split()).strip(" -'")
        if not _usable(phrase):
            continue
        key = _key(phrase)
        # One phrase per idea: skip a plural of a phrase already taken, and a phrase whose words
        # all sit inside one already taken ("diffusion" after "diffusion models").
        if any(key == other or _inside(key, other) or _overlap(key, other) for other in keys):
            continue
        # A longer phrase that contains an earlier, shorter one replaces it.
        replaced = [i for i, other in enumerate(keys) if _inside(other, key)]
        for index in reversed(replaced):
            del chosen[index], keys[index]
        chosen.append(_display(phrase))
        keys.append(key)
        if len(chosen) >= limit:
            break
    return chosen


def _overlap(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether half or more of the words of ``one`` are in ``other`` ("multiclass breast" after
    "breast cancer"): the later phrase says little the earlier did not."""
    shared = sum(1 for word in one if word in other)
    return shared * 2 >= len(one) and shared > 0


def _inside(small: tuple[str, ...], big: tuple[str, ...]) -> bool:
    """Whether the words of ``small`` appear, in order and together, in ``big``."""
    if len(small) >= len(big):
        return False
    return any(big[i : i + len(small)] == small for i in range(len(big) - len(small) + 1))
