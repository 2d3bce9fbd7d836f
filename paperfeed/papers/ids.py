"""arXiv identifier parsing.

The catalogue key is the arXiv id *without* its version. Users and sources hand us ids in many
forms (``arXiv:2401.01234v2``, abs/pdf URLs, old-style ``hep-th/9901001``), so everything goes
through :func:`parse_arxiv_id` first. Pure Python: no Django imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# New-style ids (April 2007 on): YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501).
# ASCII digits only: ``\d`` would also accept e.g. Arabic-Indic digits, which int() happily reads.
_NEW = re.compile(r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<version>\d{1,3}))?", re.ASCII)
# Old-style ids: archive(.SUBJECT-CLASS)/YYMMNNN. The subject class is not part of the key.
_OLD = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Za-z]{2})?/(?P<yymm>\d{4})(?P<num>\d{3})"
    r"(?:v(?P<version>\d{1,3}))?",
    re.ASCII,
)
_URL_PREFIX = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/", re.IGNORECASE
)
MAX_ID_INPUT = 300
# An id as a URL path segment: old-style ids carry one slash (hep-th/9901001), so a route that
# must also match what follows the id cannot use Django's greedy <path:>.
URL_ID_PATTERN = r"(?:[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/\d{7}(?:v\d{1,3})?|[^/]+)"


class ArxivIdConverter:
    """Django path converter for :data:`URL_ID_PATTERN` (registered as ``arxiv_id``)."""

    regex = URL_ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class InvalidArxivId(ValueError):
    """Raised with a message a person can read when a string is not an arXiv id."""


@dataclass(frozen=True, slots=True)
class ArxivId:
    id: str
    version: int | None

    def __str__(self) -> str:
        return self.id

    @property
    def versioned(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id


def parse_arxiv_id(value: str) -> ArxivId:
    """Normalise any accepted form of an arXiv identifier."""
    if not isinstance(value, str):
        raise InvalidArxivId("an arXiv id must be text")
    text = value.strip()
    if not text:
        raise InvalidArxivId("the arXiv id is empty")
    if len(text) > MAX_ID_INPUT:
        raise InvalidArxivId("the arXiv id is too long")
    # A bare new-style id (a listing's or the snapshot's) has nothing to take off.
    match = _NEW.fullmatch(text)
    if match is None:
        text = _URL_PREFIX.sub("", text)
        text = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
        if text.lower().endswith(".pdf"):
            text = text[:-4]
        if text[:6].lower() == "arxiv:":
            text = text[6:].strip()
        match = _NEW.fullmatch(text)
    if match:
        yymm, num = match["yymm"], match["num"]
        month = int(yymm[2:])
        year = 2000 + int(yymm[:2])
        if not 1 <= month <= 12 or (year, month) < (2007, 4):
            raise InvalidArxivId(f"{value!r} is not a valid arXiv id (bad year/month)")
        # Five-digit sequence numbers started in January 2015; four before.
        if (year >= 2015) != (len(num) == 5):
            raise InvalidArxivId(f"{value!r} is not a valid arXiv id (wrong number length)")
        if int(num) == 0:
            raise InvalidArxivId(f"{value!r} is not a valid arXiv id (sequence number 0)")
        return ArxivId(f"{yymm}.{num}", _version(match["version"]))

    match = _OLD.fullmatch(text)
    if match:
        yymm = match["yymm"]
        month = int(yymm[2:])
        year = int(yymm[:2])
        # Old-style ids run from 1991-08 to 2007-03.
        full_year = 1900 + year if year >= 91 else 2000 + year
        if not 1 <= month <= 12 or not (1991, 8) <= (full_year, month) <= (2007, 3):
            raise InvalidArxivId(f"{value!r} is not a valid arXiv id (bad year/month)")
        if int(match["num"]) == 0:
            raise InvalidArxivId(f"{value!r} is not a valid arXiv id (sequence number 0)")
        return ArxivId(f"{match['archive']}/{yymm}{match['num']}", _version(match["version"]))
    raise InvalidArxivId(f"{value[:80]!r} is not an arXiv id")


# What may stand before an id in a search query: a pasted URL of arXiv, alphaXiv or the HF paper
# page, an ``arXiv:`` prefix, or arXiv's DataCite DOI (10.48550/arXiv.<id>), bare or as a link.
_QUERY_PREFIX = re.compile(
    r"(?:https?://)?(?:"
    r"(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/"
    r"|(?:www\.)?alphaxiv\.org/abs/"
    r"|(?:www\.)?huggingface\.co/papers/"
    r"|(?:dx\.)?doi\.org/10\.48550/arxiv\."
    r")"
    r"|(?:doi:\s?)?10\.48550/arxiv\."
    r"|arxiv:\s?",
    re.IGNORECASE | re.ASCII,
)
# The id itself once a prefix is gone: a version, a ".pdf", a trailing slash, a query string or
# a fragment may follow; nothing else.
_QUERY_ID = re.compile(
    r"(?P<id>\d{4}\.\d{4,5}(?:v\d{1,3})?"
    r"|[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/\d{7}(?:v\d{1,3})?)"
    r"(?:\.pdf)?/?(?:[?#][!-~]*)?",
    re.ASCII,
)
MAX_QUERY_ID_INPUT = 500


def arxiv_id_in_query(text: str) -> str | None:
    """The catalogue key when a whole search query is one arXiv id, URL, prefix or DOI form.

    ``2603.04379``, ``2603.04379v2``, ``hep-th/9901001v1``, ``arXiv:2401.01234``, an
    ``arxiv.org/abs|pdf`` (also ``www.``, ``export.``, ``.pdf``), ``alphaxiv.org/abs`` or
    ``huggingface.co/papers`` URL, ``10.48550/arXiv.2401.01234`` and its doi.org link all give
    the id without its version. Anything else -- words around the id, an impossible id such as
    ``2401.99999999`` or ``1234.5678`` (before April 2007) -- gives None, never an error.
    """
    if not isinstance(text, str) or len(text) > MAX_QUERY_ID_INPUT:
        return None
    text = text.strip()
    prefix = _QUERY_PREFIX.match(text)
    rest = text[prefix.end() :] if prefix else text
    match = _QUERY_ID.fullmatch(rest)
    if match is None:
        return None
    try:
        return parse_arxiv_id(match["id"]).id
    except InvalidArxivId:
        return None


def _version(text: str | None) -> int | None:
    if text is None:
        return None
    version = int(text)
    if version < 1:
        raise InvalidArxivId("arXiv versions start at v1")
    return version


def normalize_arxiv_id(value: str) -> str:
    """The catalogue key for ``value``; raises :class:`InvalidArxivId`."""
    return parse_arxiv_id(value).id


def id_month(arxiv_id: str) -> tuple[int, int]:
    """(year, month) that an id was first submitted in, read from the id itself."""
    if "/" in arxiv_id:
        yymm = arxiv_id.split("/", 1)[1][:4]
        year = int(yymm[:2])
        return (1900 + year if year >= 91 else 2000 + year, int(yymm[2:]))
    return (2000 + int(arxiv_id[:2]), int(arxiv_id[2:4]))


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"
