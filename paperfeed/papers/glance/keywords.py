"""A paper's key phrases, extracted offline from its title and abstract.

Pure: no Django imports, no model, no corpus: a paper's keywords depend on its own text alone
and never change as the catalogue grows. Candidates are the runs of words between punctuation,
formulas and the words of `vocabulary` (function words, verbs, adverbs), trimmed of generic
words at their edges, so a chip names a thing and never holds a clause. Each candidate (and the
shorter phrases inside a long one) is scored by how often the paper says it, whether the title
says it, how early it comes, and whether it is a name (an acronym, "GPT-4o", "mHC"); the best
3-6 that do not overlap are kept. Written for speed (some 2,000 papers per CPU-second, a
first import of the whole catalogue included): one regular expression pass and plain counting.
YAKE, used before (`compute.GLANCE_VERSION` 1), managed 58 and gave clause fragments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from paperfeed.papers.glance.chips import MIN_KEYWORDS, abbreviates, clashes, first, ordered
from paperfeed.papers.glance.vocabulary import (
    ADJECTIVE_ENDINGS,
    ADJECTIVE_LOOKING_NOUNS,
    COMMON,
    EDGE,
    FUNCTION,
    GENERIC_HEAD,
    ING_NOUNS,
    LY_NOUNS,
    VERBS,
    WEAK_HEAD,
)
from paperfeed.papers.similar.text import strip_markup

MAX_KEYWORDS = 6
MAX_WORDS = 4
MAX_PHRASE_CHARS = 60
# A phrase scoring below this share of the best one is shown only to reach MIN_KEYWORDS.
_WEAK_SHARE = 0.3

# Formulas and links are not words: each becomes a break between runs.
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
_LINK = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
# A word (letters or digits, inner hyphens, apostrophes and decimal points: "mixture-of-experts",
# "GPT-3.5", "Qwen2.5-VL"), or one punctuation mark.
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019.\-&][^\W_]+)*|[^\w\s]", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]")
_NUMBER = re.compile(r"^[\d.,]+(?:[kKmMbB%x]|st|nd|rd|th)?$")
# An acronym defined in parentheses: "Large Language Models (LLMs)".
_DEFINED = re.compile(r"\(([A-Za-z][\w\-]{1,11})\)")


def _is_break(word: str, lower: str) -> bool:
    if lower in FUNCTION or lower in VERBS:
        return True
    if len(lower) > 4 and lower.endswith("ly") and lower not in LY_NOUNS and "-" not in lower:
        return True  # an adverb: "significantly", "jointly"
    return not _LETTER.search(word) or bool(_NUMBER.match(word))


def _is_name(word: str) -> bool:
    """A word that carries its own capitals or digits: an acronym or a name ("LLM", "mHC",
    "GPT-4o", "LoRA", "3D"), shown as written."""
    for part in word.split("-"):
        if any(ch.isupper() for ch in part[1:]) or (len(part) > 1 and part.isupper()):
            return True
        if any(ch.isdigit() for ch in part) and _LETTER.search(part):
            return True
    return False


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


_Info = tuple[str, bool, bool, bool, bool, bool]
_Run = tuple[int, list[str], list[_Info], bool]
# Words of a run, their facts, the piece [a:b] and whether the piece opens a sentence.
_Span = tuple[list[str], list[_Info], int, int, bool]


# Big enough for the distinct words of the whole catalogue: a full build evicted at 1 << 16.
@lru_cache(maxsize=1 << 19)
def _word(token: str) -> _Info:
    """What the extractor needs of a word, worked out once per distinct word: its stem (the
    key phrases are compared by), whether it breaks a run, may not start a phrase, may not end
    one, starts with a capital, is a name."""
    lower = token.lower().replace("\u2019", "'")
    name = _is_name(token)
    return (
        _stem(lower),
        _is_break(token, lower),
        _bad_first(lower),
        # "LLM-based", "SAM-optimized" modify a name and are none: they end no phrase.
        (_bad_last(lower) and not name) or _modifier_tail(lower),
        token[:1].isupper(),
        name,
    )


@dataclass(slots=True)
class _Candidate:
    first: int
    weight: float = 0.0
    in_title: bool = False
    # Whether it once ended a longer run: English phrases end with their head noun, so
    # "direct preference optimization" rather than "groupwise direct".
    head: bool = False
    whole: bool = False
    # Where the text writes it, for the chip: in the abstract (with the fewest capitals), else
    # in the title. Made into words only for the few chips shown.
    form: _Span | None = None
    form_rank: int = 3
    title_form: _Span | None = None


def _runs(text: str, *, title: bool = False) -> list[_Run]:
    """The runs of words between breaks, each with the token position it starts at, its
    words' facts (`_word`) and whether it opens a sentence (so its first capital says nothing)."""
    # The substitutions cost a tenth of a build; most abstracts have no formula, link or TeX.
    if "$" in text or "\\" in text:
        text = _MATH.sub(" , ", text)
    if "://" in text or "www." in text or "@" in text:
        text = _LINK.sub(" , ", text)
    if "$" in text or "\\" in text:
        text = strip_markup(text)
    tokens = _TOKEN.findall(text)
    info = list(map(_word, tokens))
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
    runs: list[_Run] = []
    previous = -1
    for cut in cuts:
        if cut > previous + 1:
            start = previous + 1
            opens = previous < 0 or tokens[previous] in _SENTENCE_ENDS
            runs.append((start, tokens[start:cut], info[start:cut], opens))
        previous = cut
    return runs


_SENTENCE_ENDS = frozenset(".!?:")


def _shown(span: _Span, *, title: bool) -> str:
    """Words as a chip shows them: names as written ("LoRA", "GPT-4o"), and in an abstract a
    capital that does not open a sentence ("Gaussian process"); the rest in lower case."""
    words, info, a, b, opens = span
    return " ".join(
        words[i]
        if info[i][5] or (not title and info[i][4] and not (opens and i == a))
        else words[i].lower()
        for i in range(a, b)
    )


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


def _collect(candidates: dict[tuple[str, ...], _Candidate], text: str, *, title: bool) -> None:
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
    candidates: dict[tuple[str, ...], _Candidate],
    run: list[str],
    info: list[_Info],
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
        found = candidates[key] = _Candidate(first=start + at)
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
    candidates: dict[tuple[str, ...], _Candidate],
    words: list[str],
    info: list[_Info],
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
                found = candidates[key] = _Candidate(first=start + a)
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


def _score(key: tuple[str, ...], found: _Candidate, title_name: tuple[str, ...]) -> float:
    size = len(key)
    if size == 1 and not found.in_title and found.weight < 2:
        return 0.0
    score = (1.0 + found.weight) * (3.0 if found.in_title else 1.0)
    score /= (1.0 + found.first / 40.0) ** 0.5
    score *= _LENGTH_FACTOR[size if size < MAX_WORDS else MAX_WORDS]
    if found.head:
        score *= 1.2
    elif not found.whole:
        score *= 0.7  # only ever a piece from inside a longer run
    if key == title_name:
        score *= 3.0
    if key in _COMMON_PIECES:
        score *= 0.2
    elif size == 2 and key[-1] in _WEAK_HEAD_STEMS:
        score *= 0.5
    return score


# The common phrases and their pieces of two or more words ("large language").
_COMMON_PIECES = frozenset(
    phrase[a:b]
    for phrase in (tuple(_stem(word) for word in common) for common in COMMON)
    for a in range(len(phrase))
    for b in range(a + 1, len(phrase) + 1)
    if b - a > 1 or len(phrase) == 1
)
# Two- and three-word phrases name things best; one word is vague, four often a clause.
_LENGTH_FACTOR = (0.0, 0.7, 1.0, 1.1, 0.9)
_WEAK_HEAD_STEMS = frozenset(_stem(word) for word in WEAK_HEAD)
_GENERIC_HEAD_STEMS = frozenset(_stem(word) for word in GENERIC_HEAD)
# Words that add nothing in front of a generic head: "neural network structure".
_SAYS_NOTHING = (
    frozenset(word for phrase in _COMMON_PIECES for word in phrase)
    | _GENERIC_HEAD_STEMS
    | _WEAK_HEAD_STEMS
    | frozenset(_stem(word) for word in EDGE)
)


def _generic(key: tuple[str, ...]) -> bool:
    """A generic head after words that say nothing: "neural network structure", "model
    architecture" (the heads counted in the real corpus, `vocabulary.GENERIC_HEAD`)."""
    return key[-1] in _GENERIC_HEAD_STEMS and all(word in _SAYS_NOTHING for word in key[:-1])


def _display(found: _Candidate) -> str:
    if found.form is not None:
        return _shown(found.form, title=False)
    return _shown(found.title_form, title=True) if found.title_form is not None else ""


def _title_name(title: str) -> tuple[str, ...]:
    """The name before a title's colon ("mHC" of "mHC: Manifold-Constrained …")."""
    head, colon, _ = title.partition(":")
    words = head.split()
    if not colon or not 0 < len(words) <= 3:
        return ()
    return tuple(_stem(word.lower()) for word in words)


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
                key = tuple(_word(word.strip(",;:"))[0] for word in expansion)
                aliases[(_word(acronym)[0],)] = key
                break
    return aliases


def _spells(capitals: str, letters: str) -> bool:
    rest = iter(letters)
    return all(ch in rest for ch in capitals)


def keywords_extract(title: str, abstract: str, *, limit: int = MAX_KEYWORDS) -> list[str]:
    """Up to ``limit`` key phrases of a paper, best first; fewer than ``MIN_KEYWORDS`` (or
    none) only when the text has no more worth showing."""
    title, abstract = title or "", abstract or ""
    candidates: dict[tuple[str, ...], _Candidate] = {}
    _collect(candidates, title, title=True)
    _collect(candidates, abstract, title=False)
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
    # A phrase scoring 0 is never shown: left out, it is neither sorted nor tried.
    pairs = [
        (score, key)
        for key, found in candidates.items()
        if (score := _score(key, found, title_name)) > 0
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
        plain = len(key) == 1 and not _is_name(text) and key != title_name
        if plain or len(text) > MAX_PHRASE_CHARS or _generic(key):
            continue
        # An acronym and its own expansion are one idea: the first shown stands for both.
        if any(abbreviates(text, other) or abbreviates(other, text) for other in shown):
            continue
        chosen.append(key)
        shown.append(text)
        if len(chosen) >= limit:
            break
    return shown
