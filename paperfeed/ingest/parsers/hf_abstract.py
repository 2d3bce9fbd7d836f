"""Whether a text scraped from a Hugging Face paper page is the paper's abstract. Pure.

The HF scrapes hold, per paper, "the abstract or the submitter's comment", and the comments are
often polished summaries that read like abstracts. The rule below keeps a text as the abstract
only when it looks like arXiv's own: abstract-length prose ending in a full stop, with none of
the marks that comments carry (emoji, typographic quotes and dashes pasted from editors, the
first person singular, "TL;DR", "Project page", a name that opens the text the way an HF summary
does, " ," left where bold text was stripped). It is tuned for precision, not recall: a real
abstract it misses stays the submitter's note and arXiv's record fills the abstract later; a note
it took for the abstract would be shown as the paper's abstract. ``bench/hf_abstracts.py``
measures it against arXiv's abstracts in ``shared/data/arxiv_daily_cs``.
"""

from __future__ import annotations

import re
import unicodedata

# arXiv caps abstracts at 1,920 characters; below 1,000 the real ones are too few to tell apart
# from the summaries that submitters write.
MIN_LENGTH = 1_000
MAX_LENGTH = 1_950
MIN_SENTENCES = 4

# A heading some pages put before the abstract itself.
_LABEL = re.compile(r"\Aabstract\s*[:.\-\u2014]?\s+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](?:\s|\Z)")
_NOTE_MARKERS = re.compile(
    r"TL;?DR|project page|code:|key (?:findings|contributions|features|ideas)|highlights"
    r"|overview|click|huggingface|librarian bot|\bour (?:new |latest )?(?:paper|work|team)\b"
    r"|this repository|accepted (?:to|at|by)\b|we're|\bthe authors?\b|\bthey\b|!",
    re.IGNORECASE,
)
_FIRST_PERSON_SINGULAR = re.compile(r"\b(?:I|I'm|I've|my|me)\b")
# How HF summaries and submitters open: "We introduce X", "This paper ...", "X is a ...".
_NOTE_OPENING = re.compile(
    r"\A(?:(?i:we|our|in this (?:paper|work)|this (?:paper|work|study))\b"
    r"|[A-Z][\w.-]*[A-Z0-9][\w.-]* (?:is|introduces|proposes|presents|tackles|addresses|treats"
    r"|learns|studies|delivers)\b)",
)
# Typographic punctuation: arXiv abstracts are typed as TeX (``--``, ``''``); comments are
# pasted from editors and chat windows.
_TYPOGRAPHIC = re.compile("[\u2018\u2019\u201c\u201d\u2013\u2014\u2026]")
_STRIPPED_MARKUP = re.compile(r" [,:;]")
_WORDS = re.compile(r"\W+")


def strip_abstract_label(text: str) -> str:
    """``text`` without a leading "Abstract:" heading."""
    return _LABEL.sub("", text.strip(), count=1)


def scraped_text_is_abstract(text: str, *, title: str) -> bool:
    """True when the scraped ``text`` of the paper titled ``title`` is its abstract."""
    body = strip_abstract_label(text)
    if not MIN_LENGTH <= len(body) <= MAX_LENGTH or not body.endswith("."):
        return False
    if len(_SENTENCE_END.findall(body)) < MIN_SENTENCES:
        return False
    if _NOTE_MARKERS.search(body) or _FIRST_PERSON_SINGULAR.search(body):
        return False
    if _NOTE_OPENING.match(body) or _TYPOGRAPHIC.search(body) or _STRIPPED_MARKUP.search(body):
        return False
    if any(_is_foreign(ch) for ch in body):
        return False
    return not _names_the_paper_first(body, title)


def _is_foreign(ch: str) -> bool:
    """Emoji and other pictographs, private-use and surrogate code points, invisible format
    characters (e.g. a right-to-left override) and control characters: no arXiv abstract holds
    them."""
    category = unicodedata.category(ch)
    return category in ("So", "Co", "Cs", "Cf") or (category == "Cc" and not ch.isspace())


def _names_the_paper_first(body: str, title: str) -> bool:
    """Whether the text opens with the title, or names the paper ("X: ...") in its first sentence.

    Abstracts build up to the method's name; summaries lead with it.
    """
    folded_title = _WORDS.sub(" ", title.casefold()).strip()
    if folded_title and _WORDS.sub(" ", body[:300].casefold()).strip().startswith(folded_title):
        return True
    name, colon, _ = title.partition(":")
    if not colon or len(name.split()) > 3:
        return False
    first_sentence = _SENTENCE_END.split(body, maxsplit=1)[0]
    return name.strip().casefold() in first_sentence.casefold()
