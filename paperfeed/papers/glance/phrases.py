"""The candidate phrases of a text: the runs of words between breaks and the pieces inside them,
with what the scoring needs of each (`keywords.py` scores them and picks the chips).

Pure: no Django imports. A run is cut at punctuation, formulas, links, function words, verbs
and adverbs, and trimmed of words that may not start or end a phrase; the whole run counts
fully and its pieces of up to MAX_WORDS words count half. Written for speed: one regular
expression pass, each word's facts worked out once per distinct word, one-word runs on a short
path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from paperfeed.papers.glance.vocabulary import (
    ADJECTIVE_ENDINGS,
    ADJECTIVE_LOOKING_NOUNS,
    EDGE,
    FUNCTION,
    ING_NOUNS,
    LY_NOUNS,
    VERBS,
)
from paperfeed.papers.similar.text import strip_markup

MAX_WORDS = 4

# Formulas and links are not words: each becomes a break between runs.
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
_LINK = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
# A word (letters or digits, inner hyphens, apostrophes and decimal points: "mixture-of-experts",
# "GPT-3.5", "Qwen2.5-VL"), or one punctuation mark.
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019.\-&][^\W_]+)*|[^\w\s]", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]")
_NUMBER = re.compile(r"^[\d.,]+(?:[kKmMbB%x]|st|nd|rd|th)?$")


def _is_break(word: str, lower: str) -> bool:
    if lower in FUNCTION or lower in VERBS:
        return True
    if len(lower) > 4 and lower.endswith("ly") and lower not in LY_NOUNS and "-" not in lower:
        return True  # an adverb: "significantly", "jointly"
    return not _LETTER.search(word) or bool(_NUMBER.match(word))


def is_name(word: str) -> bool:
    """A word that carries its own capitals or digits: an acronym or a name ("LLM", "mHC",
    "GPT-4o", "LoRA", "3D"), shown as written."""
    for part in word.split("-"):
        if any(ch.isupper() for ch in part[1:]) or (len(part) > 1 and part.isupper()):
            return True
        if any(ch.isdigit() for ch in part) and _LETTER.search(part):
            return True
    return False


def stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


Info = tuple[str, bool, bool, bool, bool, bool]
Run = tuple[int, list[str], list[Info], bool]
# Words of a run, their facts, the piece [a:b] and whether the piece opens a sentence.
Span = tuple[list[str], list[Info], int, int, bool]


# Big enough for the distinct words of the whole catalogue: a full build evicted at 1 << 16.
@lru_cache(maxsize=1 << 19)
def word_facts(token: str) -> Info:
    """What the extractor needs of a word, worked out once per distinct word: its stem (the
    key phrases are compared by), whether it breaks a run, may not start a phrase, may not end
    one, starts with a capital, is a name."""
    lower = token.lower().replace("\u2019", "'")
    name = is_name(token)
    return (
        stem(lower),
        _is_break(token, lower),
        _bad_first(lower),
        # "LLM-based", "SAM-optimized" modify a name and are none: they end no phrase.
        (_bad_last(lower) and not name) or _modifier_tail(lower),
        token[:1].isupper(),
        name,
    )


@dataclass(slots=True)
class Candidate:
    first: int
    weight: float = 0.0
    in_title: bool = False
    # Whether it once ended a longer run: English phrases end with their head noun, so
    # "direct preference optimization" rather than "groupwise direct".
    head: bool = False
    whole: bool = False
    # Where the text writes it, for the chip: in the abstract (with the fewest capitals), else
    # in the title. Made into words only for the few chips shown.
    form: Span | None = None
    form_rank: int = 3
    title_form: Span | None = None


def _runs(text: str, *, title: bool = False) -> list[Run]:
    """The runs of words between breaks, each with the token position it starts at, its
    words' facts (`word_facts`) and whether it opens a sentence (so its first capital says
    nothing)."""
    # The substitutions cost a tenth of a build; most abstracts have no formula, link or TeX.
    if "$" in text or "\\" in text:
        text = _MATH.sub(" , ", text)
    if "://" in text or "www." in text or "@" in text:
        text = _LINK.sub(" , ", text)
    if "$" in text or "\\" in text:
        text = strip_markup(text)
    tokens = _TOKEN.findall(text)
    info = list(map(word_facts, tokens))
    # The runs lie between the breaks: only the breaks are visited, in a comprehension.
    cuts = [position for position, facts in enumerate(info) if facts[1]]
    if title:
        # A title (or subtitle) that opens with an "-ing" word opens with a verb: "Scaling
        # Open-Ended Reasoning…", "Forging Spatial Intelligence".
        verbs = [
            position
            for position, token in enumerate(tokens)
            if token.endswith("ing") and (position == 0 or tokens[position - 1] == ":")
        ]
        if verbs:
            cuts = sorted(set(cuts).union(verbs))
    cuts.append(len(tokens))
    runs: list[Run] = []
    previous = -1
    for cut in cuts:
        if cut > previous + 1:
            start = previous + 1
            opens = previous < 0 or tokens[previous] in _SENTENCE_ENDS
            runs.append((start, tokens[start:cut], info[start:cut], opens))
        previous = cut
    return runs


_SENTENCE_ENDS = frozenset(".!?:")


def _modifier_tail(lower: str) -> bool:
    tail = lower.rsplit("-", 1)[-1]
    return tail in EDGE or (tail != lower and tail.endswith("ed") and len(tail) > 4)


def _bad_first(lower: str) -> bool:
    # "-ing" words start a phrase only as nouns ("reasoning models", not "detecting point").
    return lower in EDGE or (lower.endswith("ing") and lower not in ING_NOUNS)


def _bad_last(lower: str) -> bool:
    # Participles and adjectives end no phrase ("systems built", "native agentic").
    if lower in EDGE or lower.endswith("ed"):
        return True
    tail = lower.rsplit("-", 1)[-1]
    return tail.endswith(ADJECTIVE_ENDINGS) and tail not in ADJECTIVE_LOOKING_NOUNS


def collect(candidates: dict[tuple[str, ...], Candidate], text: str, *, title: bool) -> None:
    for start, run, info, opens in _runs(text, title=title):
        lo, hi = 0, len(run)
        while lo < hi and info[lo][2]:
            lo += 1
        while hi > lo and info[hi - 1][3]:
            hi -= 1
        if hi - lo == 1:
            # Most runs hold one word once trimmed: the whole run is the only piece.
            _add_word(candidates, run, info, lo, start, opens, title=title)
        elif hi > lo:
            words, facts = (run, info) if hi - lo == len(run) else (run[lo:hi], info[lo:hi])
            _add_pieces(candidates, words, facts, start + lo, opens and lo == 0, title=title)


def _add_word(
    candidates: dict[tuple[str, ...], Candidate],
    run: list[str],
    info: list[Info],
    at: int,
    start: int,
    opens: bool,
    *,
    title: bool,
) -> None:
    words, facts = [run[at]], [info[at]]
    key = (facts[0][0],)
    found = candidates.get(key)
    if found is None:
        found = candidates[key] = Candidate(first=start + at)
    found.weight += 1.0
    found.whole = True
    if title:
        found.in_title = True
        if found.title_form is None:
            found.title_form = (words, facts, 0, 1, True)
        return
    first = opens and at == 0
    rank = 2 if first else int(facts[0][4])
    if found.form is None or rank < found.form_rank:
        found.form = (words, facts, 0, 1, first)
        found.form_rank = rank


def _add_pieces(
    candidates: dict[tuple[str, ...], Candidate],
    words: list[str],
    info: list[Info],
    start: int,
    opens: bool,
    *,
    title: bool,
) -> None:
    """The whole run counts fully; the phrases inside a longer run count half, so "speech
    recognition" gains from "automatic speech recognition systems". A piece whose edge may not
    start or end a phrase is not a phrase."""
    stems = [item[0] for item in info]
    capitals = [item[4] for item in info]
    size = len(words)
    for a in range(size):
        if a and info[a][2]:
            continue
        for b in range(a + 1, min(a + MAX_WORDS, size) + 1):
            if b < size and info[b - 1][3]:
                continue
            whole = a == 0 and b == size
            key = tuple(stems[a:b])
            found = candidates.get(key)
            if found is None:
                found = candidates[key] = Candidate(first=start + a)
            found.weight += 1.0 if whole else 0.5
            if whole:
                found.whole = True
            elif b == size:
                found.head = True
            if title:
                found.in_title = True
                if found.title_form is None:
                    found.title_form = (words, info, a, b, True)
                continue
            if found.form_rank == 0:
                continue  # no form can beat one mid-sentence in lower case
            # The form shown: mid-sentence in lower case, else mid-sentence with capitals
            # (a name: "Gaussian process"), else at a sentence's opening.
            first = opens and a == 0
            rank = 2 if first else int(True in capitals[a:b])
            if found.form is None or rank < found.form_rank:
                found.form = (words, info, a, b, first)
                found.form_rank = rank
