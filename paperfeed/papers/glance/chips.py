"""Which key phrases may stand together as a paper's chips: none inside, overlapping or
continuing another, never an acronym beside its own expansion; and the order they are tried in.

Pure: no Django imports.
"""

from __future__ import annotations

from collections.abc import Iterator

MIN_KEYWORDS = 3


def _initials(text: str) -> str:
    return "".join(word[0] for word in text.lower().replace("-", " ").split())


def abbreviates(short: str, long: str) -> bool:
    """Whether ``short`` is an acronym spelt by the initials of ``long`` ("ACE", "Adaptive
    Context Elasticizer"; "LLMs", "large language models")."""
    if " " in short or " " not in long:
        return False
    capitals = "".join(ch for ch in short if ch.isupper()).lower()
    return len(capitals) >= 2 and capitals == _initials(long)


def first(pair: tuple[float, tuple[str, ...]]) -> float:
    return pair[0]


def ordered(
    strong: list[tuple[float, tuple[str, ...]]],
    pairs: list[tuple[float, tuple[str, ...]]],
    chosen: list[tuple[str, ...]],
) -> Iterator[tuple[float, tuple[str, ...]]]:
    """The strong pairs best first, then (only if fewer than MIN_KEYWORDS were chosen from
    them) the weak ones best first: the order a sort of every pair gives."""
    strong.sort(key=first, reverse=True)
    yield from strong
    if len(chosen) < MIN_KEYWORDS:
        floor = strong[-1][0] if strong else float("inf")
        weak = [pair for pair in pairs if pair[0] < floor]
        yield from sorted(weak, key=first, reverse=True)


def clashes(key: tuple[str, ...], other: tuple[str, ...]) -> bool:
    return (
        key == other
        or _inside(key, other)
        or _inside(other, key)
        or _overlap(key, other)
        or _chained(key, other)
        or _chained(other, key)
    )


def _chained(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether ``one`` ends with words ``other`` starts with: two pieces of one longer phrase
    ("geometry-aware multi-view", "multi-view diffusion outpainting")."""
    return any(one[-size:] == other[:size] for size in range(1, min(len(one), len(other))))


def _overlap(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether more than half of the words of ``one`` are in ``other`` ("breast cancer
    screening" after "breast cancer"): the later phrase says little the earlier did not. Two
    phrases sharing one of two words are two ideas ("internal dynamics", "internal guidance")."""
    shared = sum(1 for word in one if word in other)
    return shared * 2 > len(one)


def _inside(small: tuple[str, ...], big: tuple[str, ...]) -> bool:
    """Whether the words of ``small`` appear, in order and together, in ``big``."""
    if len(small) >= len(big):
        return False
    return any(big[i : i + len(small)] == small for i in range(len(big) - len(small) + 1))
