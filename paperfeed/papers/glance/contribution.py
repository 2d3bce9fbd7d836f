"""The one-line summary taken from an abstract: the sentence that states the contribution.

Pure: no Django imports. Abstracts state their contribution in a few fixed ways ("We propose
X", "In this paper, we introduce Y", "This paper presents Z"); the first sentence that does so,
trimmed of its lead-in ("To address this, ", "In this paper, "), is the paper at a glance. An
abstract that states no contribution this way gets no summary: a background sentence ("Large
language models are widely used") would say nothing about the paper.
"""

from __future__ import annotations

import re
from bisect import bisect_right

# A one-liner longer than this is cut at a word (outside any formula) with an ellipsis.
MAX_CHARS = 280

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
    r"formulate|devise|construct|build|create|establish|offer|provide|derive|curate|unveil|"
    r"synthesi[sz]e|instantiate|implement|formali[sz]e|operationali[sz]e"
)
# "we first propose", "we systematically synthesize": one qualifier between "we" and the verb.
_QUALIFIER = r"(?:(?:first|also|further|then|here|newly|additionally|next|finally|\w+ly)\s+)?"
_STRONG = re.compile(
    rf"\bwe\s+{_QUALIFIER}(?:{_STRONG_VERBS})\w*\b"
    rf"|\b{_SUBJECT}\s+(?:(?:first|also)\s+)?(?:{_STRONG_VERBS}|proposes|introduces|presents|"
    r"develops|describes|offers|provides|reports|contributes)\w*\b"
    r"|\bour\s+(?:main\s+|key\s+|primary\s+)?contributions?\b"
    r"|\b(?:in\s+(?:this|the present)\s+(?:paper|work|study|article)|here)\s*,?\s+we\b",
    re.IGNORECASE,
)
# Weaker cues: the sentence says what the paper finds or does.
_WEAK = re.compile(
    rf"\bwe\s+{_QUALIFIER}(?:show|demonstrate|find|study|investigate|"
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
_THEN = re.compile(
    r"^(?:then|next|first|subsequently|additionally|finally|lastly)\s*,?\s+(?=we\b)", re.I
)
# A sentence that adds to a contribution stated elsewhere: "We also…", "Finally, we…", "To
# further…" (weighed down most), "Then we…" (a next step, weighed down a little).
# Each starts with a look-ahead at the first letters its words may have: a search then passes
# over the other positions at once.
_ADDITIVE = re.compile(
    r"(?=[aflmbitw])(?:^(?:also|further|finally|lastly|additionally|moreover|furthermore|besides|"
    r"in\s+addition|to\s+further)\b|\bwe\s+(?:also|further|additionally|finally)\b)",
    re.IGNORECASE,
)
_SEQUENCE = re.compile(
    r"(?=[tnsw])(?:^(?:then|next|subsequently)\b|\bwe\s+(?:then|next)\b)", re.IGNORECASE
)
# Not the paper speaking: a greeting, a link, a plug or a bot's note (the text of a Hugging
# Face comment stored where an abstract should be). Never a summary.
_CHATTER = re.compile(
    r"(?=[hdgtcarpwlx\U0001F300-\U0001FAFF\u2600-\u27BF])"
    r"(?:^(?:hi|hello|hey|dear|greetings|thanks|thank\s+you|congrat\w*|check\s+(?:out|it)|"
    r"arxiv\s*:|repo\s*:|code\s*:|github\s*:|paper\s*:|project\s+page\s*:|tl;?dr)(?![\w-])"
    r"|https?://|www\.|\bcheck\s+out\b|\bplease\b|\blibrarian\s+bot\b|"
    r"\bautomated\s+message\b|\bx\s+thread\b|[\U0001F300-\U0001FAFF\u2600-\u27BF])",
    re.IGNORECASE,
)
_GREETING = re.compile(r"(?:hi|hello|hey|dear|greetings)(?![\w-])", re.IGNORECASE)
# Both kinds of cue in one expression, so an abstract is scanned once. Every cue starts with
# "we", "this", "the", "our", "in" or "here": the look-ahead passes over other positions at once
# (it halves the scan).
_CUES = re.compile(
    f"(?=[wtoih])(?:(?P<strong>{_STRONG.pattern})|(?P<weak>{_WEAK.pattern}))", re.IGNORECASE
)
_TITLE_WORD = re.compile(r"[^\W_][\w\-]{2,}")


def _spans(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The abstract on one line and where each of its sentences starts and ends in it."""
    text = " ".join((text or "").split())
    if not text:
        return text, []
    # Full stops inside formulas are not sentence ends: mask the formulas while splitting.
    masked = _MATH.sub(lambda m: "x" * len(m.group(0)), text) if "$" in text else text
    out: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(masked):
        end = match.start()
        # Only the last word matters: an abbreviation ("e.g"), or an initial ("J. Smith").
        space = masked.rfind(" ", start, end)
        if space < 0:
            space = start - 1
        if end - space - 1 <= 7 and masked[max(start, end - 6) : end].lower().endswith(
            _ABBREVIATIONS
        ):
            continue
        if (
            end > start
            and "A" <= masked[end - 1] <= "Z"
            and (end - 1 == start or masked[end - 2] == " ")
        ):
            continue
        out.append((start, match.end()))
        start = match.end() + 1  # the one space after a sentence's end
    if start < len(text):
        out.append((start, len(text)))
    return text, out


def sentences(text: str) -> list[str]:
    """The sentences of an abstract, each on one line. Formulas never split a sentence."""
    line, spans = _spans(text)
    return [line[a:b] for a, b in spans]


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
    # Both are anchored at the start: a match and a slice do what `sub` did, without a search.
    lead = _LEAD_IN.match(sentence)
    trimmed = sentence[lead.end() :] if lead else sentence
    then = _THEN.match(trimmed)
    trimmed = trimmed[then.end() :] if then else trimmed
    if trimmed != sentence and trimmed:
        trimmed = trimmed[0].upper() + trimmed[1:]
    return trimmed


def _title_words(title: str) -> tuple[str, set[str]]:
    """The name a title gives the paper ("PhyGDPO" of "PhyGDPO: Physics-Aware …") and its
    longer words, to tell the main contribution from a secondary one."""
    head, colon, _ = title.partition(":")
    name = head.strip().lower() if colon and 0 < len(head.split()) <= 3 else ""
    return name, {word.lower() for word in _TITLE_WORD.findall(title)} - {"with", "from", "for"}


def _score(sentence: str, cue: int, name: str, words: set[str]) -> float:
    lower = sentence.lower()
    score = float(cue)
    if name and name in lower:
        score += 1.0
    if words:
        said = {word.lower() for word in _TITLE_WORD.findall(sentence)}
        score += len(words & said) / len(words)
    if _ADDITIVE.search(sentence):
        score -= 1.5
    elif _SEQUENCE.search(sentence):
        score -= 0.5
    if name and lower.startswith(f"in {name},"):
        score -= 1.0  # a part of the named method: "In PhyGDPO, we design a reward…"
    return score


def contribution_sentence(abstract: str, *, title: str = "", limit: int = MAX_CHARS) -> str:
    """The sentence of ``abstract`` that states the paper's main contribution, on one line and
    at most ``limit`` characters; "" when no sentence states one.

    A strong cue ("we propose") outranks a weak one ("we show"); among them the sentence that
    names the title's subject wins, and "We then…"/"We also…" add to a contribution stated
    elsewhere, so they come last. Greetings, links and comment chatter are never chosen."""
    name, words = _title_words(title or "")
    line, spans = _spans(abstract)
    if not spans or _GREETING.match(line, 0, spans[0][1]):
        return ""  # a comment addressed to readers ("Hi all, …"), not an abstract
    # One pass over the whole abstract for every cue, each found mapped to its sentence: a cue
    # holds no ".", "!" or "?", so it never spans two sentences.
    cues: dict[int, int] = {}
    starts = [a for a, _ in spans]
    for match in _CUES.finditer(line):
        index = bisect_right(starts, match.start()) - 1
        cue = 3 if match.lastgroup == "strong" else 1
        if cues.get(index, 0) < cue:
            cues[index] = cue
    ranked = []
    for index, cue in cues.items():
        sentence = line[spans[index][0] : spans[index][1]]
        if len(sentence) >= 20:
            ranked.append((-_score(sentence, cue, name, words), index, sentence))
    # The best first, the earliest of equals; chatter only looked for until one is not.
    for _, _, sentence in sorted(ranked):
        if not _CHATTER.search(sentence):
            return _shorten(_trimmed(sentence), limit)
    return ""
