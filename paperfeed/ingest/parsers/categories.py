"""arXiv categories: which strings are categories, and filtering on them (pure)."""

from __future__ import annotations

import re
from functools import lru_cache

from paperfeed.ingest.parsers.text import BadRecord

# arXiv archives, current and historical. A category is kept when it is ``archive`` or
# ``archive.SUBJECT``; listings also put MSC/ACM classes ("68T05", "I.2.6") or "na" in their
# category lists, and those are dropped.
ARXIV_ARCHIVES = frozenset(
    [
        "astro-ph",
        "cond-mat",
        "cs",
        "econ",
        "eess",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "q-bio",
        "q-fin",
        "quant-ph",
        "stat",
        "acc-phys",
        "adap-org",
        "alg-geom",
        "ao-sci",
        "atom-ph",
        "bayes-an",
        "chao-dyn",
        "chem-ph",
        "cmp-lg",
        "comp-gas",
        "dg-ga",
        "funct-an",
        "mtrl-th",
        "patt-sol",
        "plasm-ph",
        "q-alg",
        "solv-int",
        "supr-con",
    ]
)
_CATEGORY = re.compile(r"([a-z]+(?:-[a-z]+)*)(\.[A-Za-z]+(?:-[A-Za-z]+)*)?", re.ASCII)


# Cached: an import's records name the same few hundred categories over and over.
@lru_cache(maxsize=4096)
def is_arxiv_category(value: str) -> bool:
    match = _CATEGORY.fullmatch(value)
    if match is None or len(value) > 40:
        return False
    return match[1] in ARXIV_ARCHIVES or match[2] is not None


def category_list(values: object, field: str = "categories") -> list[str]:
    """arXiv categories from a list or a space-separated string, in order, without duplicates.

    Entries that are not arXiv category codes (MSC/ACM classes, "na") are dropped.
    """
    if values is None:
        return []
    if isinstance(values, str):
        items: list[object] = list(values.split())
    elif isinstance(values, list):
        items = list(values)
    else:
        raise BadRecord(f"{field} is neither text nor a list")
    seen: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str):
            raise BadRecord(f"{field} holds a non-text entry")
        cleaned = item.strip()
        if is_arxiv_category(cleaned):
            seen.setdefault(cleaned, None)
    return list(seen)


def wanted(categories: list[str] | None, wanted_set: set[str] | None) -> bool:
    """Whether a record with ``categories`` passes a ``--categories`` filter.

    ``"cs"`` matches ``cs.AI`` as well as ``cs``; ``"cs.AI"`` matches only ``cs.AI``.
    """
    if not wanted_set:
        return True
    for category in categories or ():
        if category in wanted_set or category.split(".", 1)[0] in wanted_set:
            return True
    return False
