"""A paper's key phrases, extracted offline from its title and abstract.

Pure: no Django imports, no model, no corpus: a paper's keywords depend on its own text alone
and never change as the catalogue grows. Candidates are the runs of words between punctuation,
formulas and the words of `vocabulary` (function words, verbs, adverbs), trimmed of generic
words at their edges, so a chip names a thing and never holds a clause. Each candidate (and the
shorter phrases inside a long one) is scored by how often the paper says it, whether the title
says it, how early it comes, and whether it is a name (an acronym, "GPT-4o", "mHC"); the best
3-6 that do not overlap are kept. The candidates come from `phrases.py`. Written for speed
(some 1,500-2,000 papers per CPU-second): one regular expression pass and plain counting.
YAKE, used before (`compute.GLANCE_VERSION` 1), managed 58 and gave clause fragments.
"""

from __future__ import annotations

import re

from paperfeed.papers.glance.chips import MIN_KEYWORDS, abbreviates, clashes, first, ordered
from paperfeed.papers.glance.phrases import (
    MAX_WORDS,
    Candidate,
    Span,
    collect,
    is_name,
    stem,
    word_facts,
)
from paperfeed.papers.glance.vocabulary import COMMON, EDGE, GENERIC_HEAD, WEAK_HEAD

MAX_KEYWORDS = 6
MAX_PHRASE_CHARS = 60
# A phrase scoring below this share of the best one is shown only to reach MIN_KEYWORDS.
_WEAK_SHARE = 0.3

# "We propose NAME," or "We present a <phrase>, NAME (": the contribution's own name.
_CONTRIBUTION_NAME = re.compile(
    r"\bwe\s+(?:[a-z]+ly\s+|first\s+|here\s+|also\s+)?(?:propose|introduce|present|develop|"
    r"design|build|release|construct|create|curate|unveil)[sd]?\s+"
    r"(?:(?:a|an|the|our)\s+[^.;:()$]{1,80}?,\s+)?([^\W_][\w\-]*[^\W_])\s*[,(:]",
    re.IGNORECASE,
)
# An acronym defined in parentheses: "Large Language Models (LLMs)".
_DEFINED = re.compile(r"\(([A-Za-z][\w\-]{1,11})\)")


def _shown(span: Span, *, title: bool) -> str:
    """Words as a chip shows them: names as written ("LoRA", "GPT-4o"), and in an abstract a
    capital that does not open a sentence ("Gaussian process"); the rest in lower case."""
    words, info, a, b, opens = span
    return " ".join(
        words[i]
        if info[i][5] or (not title and info[i][4] and not (opens and i == a))
        else words[i].lower()
        for i in range(a, b)
    )


def _score(
    key: tuple[str, ...], found: Candidate, title_name: tuple[str, ...], named: tuple[str, ...]
) -> float:
    size = len(key)
    if size == 1 and not found.in_title and found.weight < 2 and key != named:
        return 0.0
    score = (1.0 + found.weight) * (3.0 if found.in_title else 1.0)
    score /= (1.0 + found.first / 40.0) ** 0.5
    score *= _LENGTH_FACTOR[size if size < MAX_WORDS else MAX_WORDS]
    if found.head:
        score *= 1.2
    elif not found.whole:
        score *= 0.7  # only ever a piece from inside a longer run
    if key in (title_name, named):
        score *= 3.0
    if key in _COMMON_PIECES:
        score *= 0.2
    elif size == 2 and key[-1] in _WEAK_HEAD_STEMS:
        score *= 0.5
    elif size > 1 and key[-1] in _GENERIC_HEAD_STEMS:
        score *= 0.5  # a property or a part of something ("generation quality")
    return score


# The common phrases and their pieces of two or more words ("large language").
_COMMON_PIECES = frozenset(
    phrase[a:b]
    for phrase in (tuple(stem(word) for word in common) for common in COMMON)
    for a in range(len(phrase))
    for b in range(a + 1, len(phrase) + 1)
    if b - a > 1 or len(phrase) == 1
)
# Two- and three-word phrases name things best; one word is vague, four often a clause.
_LENGTH_FACTOR = (0.0, 0.7, 1.0, 1.1, 0.9)
_WEAK_HEAD_STEMS = frozenset(stem(word) for word in WEAK_HEAD)
_GENERIC_HEAD_STEMS = frozenset(stem(word) for word in GENERIC_HEAD)
# Words that add nothing in front of a generic head: "neural network structure".
_SAYS_NOTHING = (
    frozenset(word for phrase in _COMMON_PIECES for word in phrase)
    | _GENERIC_HEAD_STEMS
    | _WEAK_HEAD_STEMS
    | frozenset(stem(word) for word in EDGE)
)


def _generic(key: tuple[str, ...]) -> bool:
    """A generic head after words that say nothing: "neural network structure", "model
    architecture" (the heads counted in the real corpus, `vocabulary.GENERIC_HEAD`)."""
    return key[-1] in _GENERIC_HEAD_STEMS and all(word in _SAYS_NOTHING for word in key[:-1])


def _display(found: Candidate) -> str:
    if found.form is not None:
        return _shown(found.form, title=False)
    return _shown(found.title_form, title=True) if found.title_form is not None else ""


def _title_name(title: str) -> tuple[str, ...]:
    """The name before a title's colon ("mHC" of "mHC: Manifold-Constrained …")."""
    head, colon, _ = title.partition(":")
    words = head.split()
    if not colon or not 0 < len(words) <= 3:
        return ()
    return tuple(stem(word.lower()) for word in words)


def _contribution_name(abstract: str) -> tuple[str, ...]:
    """The name the abstract gives its contribution, when it gives one: "L2T" of "We propose
    L2T, a pre-training framework…", "CHORD" of "We present a universal generative pipeline,
    CHORD, for…". Said once, it is still the paper's name, as the title's is."""
    match = _CONTRIBUTION_NAME.search(abstract)
    if match is None or not is_name(match.group(1)):
        return ()
    return (word_facts(match.group(1))[0],)


def _acronyms(text: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Acronyms defined in the text, to the phrase they stand for: "large language models
    (LLMs)" maps ("llm",) to ("large", "language", "model")."""
    aliases: dict[tuple[str, ...], tuple[str, ...]] = {}
    for match in _DEFINED.finditer(text):
        acronym = match.group(1)
        capitals = "".join(ch.lower() for ch in acronym if ch.isupper())
        if len(capitals) < 2:
            continue
        words = text[max(0, match.start() - 100) : match.start()].split()[-(len(capitals) + 1) :]
        # The fewest words before the parenthesis that start with the acronym's first capital,
        # spell its capitals in order, and each start with one of them.
        for size in range(1, len(words) + 1):
            expansion = words[-size:]
            letters = "".join(expansion).lower()
            if (
                letters[:1] == capitals[0]
                and all(word[0].lower() in capitals for word in expansion)
                and _spells(capitals, letters)
            ):
                key = tuple(word_facts(word.strip(",;:"))[0] for word in expansion)
                aliases[(word_facts(acronym)[0],)] = key
                break
    return aliases


def _spelling(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _spells(capitals: str, letters: str) -> bool:
    rest = iter(letters)
    return all(ch in rest for ch in capitals)


def keywords_extract(title: str, abstract: str, *, limit: int = MAX_KEYWORDS) -> list[str]:
    """Up to ``limit`` key phrases of a paper, best first; fewer than ``MIN_KEYWORDS`` (or
    none) only when the text has no more worth showing."""
    title, abstract = title or "", abstract or ""
    candidates: dict[tuple[str, ...], Candidate] = {}
    collect(candidates, title, title=True)
    collect(candidates, abstract, title=False)
    if not candidates:
        return []
    # An acronym and the phrase it stands for are one key phrase, shown as the phrase.
    for acronym, expansion in _acronyms(abstract).items():
        short, long = candidates.get(acronym), candidates.get(expansion)
        if short is not None and long is not None and short is not long:
            long.weight += short.weight
            long.in_title = long.in_title or short.in_title
            long.first = min(long.first, short.first)
            short.weight = 0.0
    title_name = _title_name(title)
    named = _contribution_name(abstract)
    # A phrase scoring 0 is never shown: left out, it is neither sorted nor tried.
    pairs = [
        (score, key)
        for key, found in candidates.items()
        if (score := _score(key, found, title_name, named)) > 0
    ]
    if not pairs:
        return []
    best = max(pairs, key=first)[0]
    # Only the few strong phrases need an order (sorting every candidate was a tenth of a
    # build); the rest is sorted only when the strong ones leave fewer than MIN_KEYWORDS.
    strong = [pair for pair in pairs if pair[0] >= best * _WEAK_SHARE]
    chosen: list[tuple[str, ...]] = []
    shown: list[str] = []
    for score, key in ordered(strong, pairs, chosen):
        if score <= 0 or (score < best * _WEAK_SHARE and len(chosen) >= MIN_KEYWORDS):
            break
        if any(clashes(key, other) for other in chosen):
            continue
        text = _display(candidates[key])
        if key == title_name and candidates[key].form is None:
            text = title.partition(":")[0].strip()  # the paper's name, as its title writes it
        # A plain single word ("learning") is too vague for a chip; a name is not, nor the
        # name a title gives its paper ("Klear: Unified…").
        plain = len(key) == 1 and not is_name(text) and key != title_name
        if plain or len(text) > MAX_PHRASE_CHARS or _generic(key):
            continue
        # An acronym and its own expansion are one idea: the first shown stands for both.
        if any(abbreviates(text, other) or abbreviates(other, text) for other in shown):
            continue
        # One name spelt two ways ("SAT-SKYLINES", "SatSkylines") is one chip.
        if " " not in text and any(_spelling(text) == _spelling(other) for other in shown):
            continue
        chosen.append(key)
        shown.append(text)
        if len(chosen) >= limit:
            break
    return shown
