"""The one-line summary taken from an abstract: the sentence that states the contribution.

Pure: no Django imports. Abstracts state their contribution in a few fixed ways ("We propose
X", "In this paper, we introduce Y", "This paper presents Z"); the first sentence that does so,
trimmed of its lead-in ("To address this, ", "In this paper, "), is the paper at a glance. An
abstract that states no contribution this way gets no summary: a background sentence ("Large
language models are widely used") would say nothing about the paper.
"""

from __future__ import annotations

import re

# A one-liner longer than this is cut at a word (outside any formula) with an ellipsis.
MAX_CHARS = 280

_SPACES = re.compile(r"\s+")
# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = (
    "e.g",
    "i.e",
    "et al",
    "etc",
    "vs",
    "fig",
    "figs",
    "eq",
    "eqs",
    "cf",
    "approx",
    "resp",
    "no",
    "sec",
    "ref",
    "dr",
    "prof",
)
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9(\"'\[$\\])")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.DOTALL)

_SUBJECT = r"(?:this|the present|our|the current)\s+(?:paper|work|study|article|report|letter|note)"
# Strong cues: the sentence says what the paper contributes.
_STRONG_VERBS = (
    r"propose|introduce|present|develop|design|contribute|release|describe|put forward|"
    r"formulate|devise|construct|build|create|establish|offer|provide|derive|curate|unveil"
)
_STRONG = re.compile(
    rf"\bwe\s+(?:(?:first|also|further|then|here|newly|additionally)\s+)?(?:{_STRONG_VERBS})\w*\b"
    rf"|\b{_SUBJECT}\s+(?:(?:first|also)\s+)?(?:{_STRONG_VERBS}|proposes|introduces|presents|"
    r"develops|describes|offers|provides|reports|contributes)\w*\b"
    r"|\bour\s+(?:main\s+|key\s+|primary\s+)?contributions?\b"
    r"|\b(?:in\s+(?:this|the present)\s+(?:paper|work|study|article)|here)\s*,?\s+we\b",
    re.IGNORECASE,
)
# Weaker cues: the sentence says what the paper finds or does.
_WEAK = re.compile(
    r"\bwe\s+(?:(?:first|also|further|then|here)\s+)?(?:show|demonstrate|find|study|investigate|"
    r"explore|address|tackle|train|evaluate|analy[sz]e|examine|extend|leverage|adapt|"
    r"revisit|benchmark|prove|identify|report)\w*\b"
    rf"|\b{_SUBJECT}\s+(?:studies|investigates|explores|addresses|examines|analy[sz]es|"
    r"shows|demonstrates|tackles|focuses)\b",
    re.IGNORECASE,
)
# Lead-ins trimmed from the chosen sentence, so it starts at the subject: "To address these
# limitations, we propose X" becomes "We propose X".
_LEAD_IN = re.compile(
    r"^(?:(?:in\s+(?:this|the present)\s+(?:paper|work|study|article)|here|to\s+this\s+end|"
    r"to\s+(?:address|overcome|tackle|bridge|fill|close|solve|mitigate|remedy|alleviate|"
    r"resolve|handle)\s+[^,;]{1,80}|motivated\s+by\s+[^,;]{1,80}|inspired\s+by\s+[^,;]{1,80}|"
    r"therefore|thus|hence|accordingly|consequently|to\s+that\s+end|instead|specifically|"
    r"in\s+response|in\s+contrast|however|finally|moreover|furthermore|in\s+addition)\s*,\s*)+"
    r"(?=we\b)",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """The sentences of an abstract, each on one line. Formulas never split a sentence."""
    text = _SPACES.sub(" ", text or "").strip()
    if not text:
        return []
    # Full stops inside formulas are not sentence ends: mask the formulas while splitting.
    masked = _MATH.sub(lambda m: "x" * len(m.group(0)), text)
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(masked):
        head = masked[start : match.start()]
        word = head.rsplit(" ", 1)[-1].lower()
        if head.lower().endswith(_ABBREVIATIONS) and len(word) <= 7:
            continue
        if re.search(r"(?:^|\s)[A-Z]$", head):  # an initial: "J. Smith"
            continue
        out.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _shorten(sentence: str, limit: int) -> str:
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    # Never end inside a formula: an odd number of "$" before the cut means one is open.
    while cut.count("$") % 2:
        cut = cut[: cut.rfind("$")]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cut.rstrip(" ,;:-") + "…"


def _trimmed(sentence: str) -> str:
    trimmed = _LEAD_IN.sub("", sentence, count=1)
    if trimmed != sentence and trimmed:
        trimmed = trimmed[0].upper() + trimmed[1:]
    return trimmed


def contribution_sentence(abstract: str, *, limit: int = MAX_CHARS) -> str:
    """The sentence of ``abstract`` that states the paper's contribution, on one line and at
    most ``limit`` characters; "" when no sentence states one."""
    parts = sentences(abstract)
    for cue in (_STRONG, _WEAK):
        for sentence in parts:
            if cue.search(sentence) and len(sentence) >= 20:
                return _shorten(_trimmed(sentence), limit)
    return ""
