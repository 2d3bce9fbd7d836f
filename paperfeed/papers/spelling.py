"""Typo-tolerant second tries ("did you mean …"): candidate spellings of a word and the choice
among the ones the index knows. Pure Python: no Django imports.

The engines only answer "how many papers hold this exact word?" for a batch of words; this
module decides which words to ask about and which answer wins. Candidates are every spelling
one edit away (a letter deleted, swapped with its neighbour, replaced or inserted), the classic
Norvig corrector: a few hundred exact look-ups, which an inverted index answers in
microseconds, instead of a scan of the whole vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
# Shorter words have too many neighbours one edit away to guess well ("cat" → "cot", "car").
MIN_LENGTH = 4
# Longer ones are not words a reader mistypes (hashes, run-together ids): no guess.
MAX_LENGTH = 30


def edits1(word: str) -> set[str]:
    """Every string one edit away from ``word`` (lower case, ASCII letters and digits)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in LETTERS if c != b[0]}
    inserts = {a + c + b for a, b in splits for c in LETTERS}
    return (deletes | swaps | replaces | inserts) - {word, ""}


def correctable(word: str) -> bool:
    return MIN_LENGTH <= len(word) <= MAX_LENGTH and word.isascii() and word.isalnum()


def best(candidates: Mapping[str, int]) -> str | None:
    """The candidate held by the most papers (ties: alphabetical, so answers are stable)."""
    found = [(-count, word) for word, count in candidates.items() if count > 0]
    return min(found)[1] if found else None


def correct(
    words: Sequence[str], *, frequencies: Callable[[Iterable[str]], Mapping[str, int]]
) -> list[str] | None:
    """``words`` with each unknown word replaced by its likeliest known neighbour, or None when
    nothing could be corrected. ``frequencies`` maps words to how many papers hold them (words
    the index lacks may be left out); it is asked twice at most: the words as typed, then the
    candidates of every unknown one in one batch (each call is a database round trip)."""
    lowered = [word.casefold() for word in words]
    known = frequencies(set(lowered))
    unknown = {w for w in lowered if known.get(w, 0) <= 0 and correctable(w)}
    if not unknown:
        return None
    candidates = {word: edits1(word) for word in unknown}
    counts = frequencies(set().union(*candidates.values()))
    out: list[str] = []
    changed = False
    for word in lowered:
        replacement = None
        if word in candidates:
            replacement = best({c: counts[c] for c in candidates[word] if c in counts})
        if replacement is None:
            out.append(word)
            continue
        out.append(replacement)
        changed = True
    return out if changed else None
