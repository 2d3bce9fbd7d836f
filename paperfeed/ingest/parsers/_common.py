"""Helpers shared by the parsers: safe XML, dates, text fields, authors and file opening.

Pure Python (no Django). Every parser turns one upstream record into a
:class:`~paperfeed.papers.records.PaperRecord` through :func:`finish`, or into a
:class:`~paperfeed.papers.records.Rejected` when :class:`BadRecord` is raised while reading it.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import re
import tarfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, cast
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from paperfeed.papers.ids import InvalidArxivId, parse_arxiv_id
from paperfeed.papers.records import PaperRecord, Rejected, check_record

# Errors that reading a damaged or truncated (compressed) stream can raise.
STREAM_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    OSError,  # includes gzip.BadGzipFile
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    tarfile.TarError,
    ValueError,  # e.g. reading a closed member of a streaming tar archive
)

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 control characters other than whitespace never belong in metadata.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PREFIX_USE = re.compile(
    rb"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*="
)
_PREFIX_DECL = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_YMD = re.compile(r"\d{4}-\d{2}-\d{2}")

# Counts (upvotes, stars) above this are not real, and would overflow a database integer.
MAX_COUNT = 1_000_000_000
# Anything bigger than this in one XML/JSON document is not an upstream page.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024


class BadRecord(Exception):
    """Raised inside a parser while reading one record; becomes a :class:`Rejected`."""

    def __init__(self, reason: str, arxiv_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.arxiv_id = arxiv_id


# --------------------------------------------------------------------------- text fields


def clean(value: str) -> str:
    """Normalise to NFC, drop control characters and collapse whitespace (arXiv hard-wraps
    at ~80 columns); LaTeX stays as text. Lone UTF-16 surrogates (which JSON escapes can produce
    and no database accepts) become U+FFFD.
    """
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    # Fast paths. A printable str holds no control characters and no whitespace but " ";
    # hard-wrapped abstracts are printable once their newlines are spaces.
    if not value.isprintable():
        unwrapped = value.replace("\n", " ")
        if unwrapped.isprintable():
            value = unwrapped
        else:
            value = _CONTROL.sub("", _SURROGATE.sub("\ufffd", value))
    if "  " in value or not value.isprintable():
        # str.split() splits on exactly the characters the ``\s`` of a str pattern matches.
        return " ".join(value.split())
    return value.strip()


def text(value: object, field: str) -> str | None:
    """A cleaned text field; ``None`` for missing/null; :class:`BadRecord` for non-text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{field} is not text (got {type(value).__name__})")
    return clean(value)


def optional_text(value: object, field: str) -> str | None:
    """Like :func:`text`, but an empty string means "not given" (``None``)."""
    cleaned = text(value, field)
    return cleaned or None


def integer(value: object, field: str) -> int | None:
    """A non-negative integer field (``None`` when missing). Accepts digit strings."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadRecord(f"{field} is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise BadRecord(f"{field} is not a whole number ({str(value)[:40]!r})")
    if number < 0:
        raise BadRecord(f"{field} is negative ({number})")
    if number > MAX_COUNT:
        raise BadRecord(f"{field} is implausibly large ({number})")
    return number


def strip_surrogates(value: str) -> str:
    return _SURROGATE.sub("\ufffd", value)


# --------------------------------------------------------------------------- ids


def arxiv_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """(catalogue id, version or None) for an id field; :class:`BadRecord` when invalid."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRecord(f"missing arXiv id ({field})")
    if not isinstance(value, str):
        raise BadRecord(f"the arXiv id ({field}) is not text")
    try:
        parsed = parse_arxiv_id(strip_surrogates(value))
    except InvalidArxivId as exc:
        raise BadRecord(f"invalid arXiv id: {exc}") from None
    return parsed.id, parsed.version


def version_number(value: object) -> int:
    """``"v3"`` -> 3; :class:`BadRecord` otherwise."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*[vV]?([0-9]{1,4})\s*", value)
        if match and int(match[1]) >= 1:
            return int(match[1])
    raise BadRecord(f"unreadable version {str(value)[:40]!r}")


# --------------------------------------------------------------------------- dates


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def rfc2822_date(value: object, field: str) -> datetime:
    """``"Mon, 2 Apr 2007 19:18:42 GMT"`` -> aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        raise BadRecord(f"{field} is missing")
    try:
        return _aware(parsedate_to_datetime(value.strip()))
    except (TypeError, ValueError, IndexError, OverflowError):
        raise BadRecord(f"{field} is not a date ({value[:60]!r})") from None


def iso_datetime(value: object, field: str) -> datetime | None:
    """ISO 8601 (``2024-10-22T17:59:30.000Z``, ``2007-03-30``) -> aware UTC datetime or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{field} is not a date")
    raw = value.strip()
    try:
        if _YMD.fullmatch(raw):
            return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=UTC)
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        return _aware(datetime.fromisoformat(raw))
    except ValueError:
        raise BadRecord(f"{field} is not a date ({value[:60]!r})") from None


def day_from_name(name: str) -> date | None:
    """The ``YYYY-MM-DD`` date in a file name, or None."""
    match = _DATE_IN_NAME.search(Path(name).name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --------------------------------------------------------------------------- authors

_LATEX_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_LATEX_ACCENT = re.compile(
    r"""\{?\\(?P<acc>['`^"~=.]|[uvHckr](?=[\s{]))\s*(?:\{\s*(?P<braced>\\?[A-Za-z])\s*\}|(?P<bare>\\?[A-Za-z]))\}?"""
)
_LATEX_LETTERS = {
    r"\ss": "ß",
    r"\o": "ø",
    r"\O": "Ø",
    r"\ae": "æ",
    r"\AE": "Æ",
    r"\aa": "å",
    r"\AA": "Å",
    r"\l": "ł",
    r"\L": "Ł",
    r"\oe": "œ",
    r"\OE": "Œ",
    r"\i": "\u0131",  # dotless i
}
_LATEX_LETTER = re.compile(r"\{?(\\(?:ss|ae|AE|aa|AA|oe|OE|[oOlLi]))(?![A-Za-z])\}?\s?")


def decode_latex_name(name: str) -> str:
    """Turn the LaTeX accents arXiv uses in author names into Unicode (``Bal\\'azs`` -> Balázs).

    Only for author names: titles and abstracts keep their LaTeX as text.
    """
    if "\\" not in name:
        return name

    def accent(match: re.Match[str]) -> str:
        letter = match["braced"] or match["bare"]
        if letter in (r"\i", r"\j"):
            letter = letter[1]
        if letter.startswith("\\"):
            return match[0]
        return unicodedata.normalize("NFC", letter + _LATEX_ACCENTS[match["acc"]])

    name = _LATEX_ACCENT.sub(accent, name)
    name = _LATEX_LETTER.sub(lambda m: _LATEX_LETTERS[m[1]], name)
    return name


_AND = re.compile(r"(?:^|\s+)and\s+")


def split_authors(value: str) -> list[str]:
    """Split an arXiv authors string (``"A. One, B. Two and C. Three (MIT)"``) into names.

    Commas inside parentheses (affiliations) do not split, parenthesised affiliations are
    dropped from the names, and LaTeX accents become Unicode.
    """
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(value):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in ",;":
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    names = []
    for part in parts:
        for piece in _AND.split(_strip_parenthesised(part).strip()):
            name = clean(decode_latex_name(piece))
            if name:
                names.append(name)
    return names


def _strip_parenthesised(value: str) -> str:
    out: list[str] = []
    depth = 0
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def name_list(values: object, field: str = "authors") -> list[str]:
    """A JSON list of author name strings, cleaned; :class:`BadRecord` for other shapes."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise BadRecord(f"{field} is not a list")
    names = []
    for value in values:
        if not isinstance(value, str):
            raise BadRecord(f"{field} holds a non-text entry")
        name = clean(value)
        if name:
            names.append(name)
    return names


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


# --------------------------------------------------------------------------- records


def finish(record: PaperRecord, location: str) -> PaperRecord | Rejected:
    """Apply :func:`check_record`; returns the record or a :class:`Rejected`."""
    problem = check_record(record)
    if problem is not None:
        return Rejected(problem, record.arxiv_id, location)
    return record


def versions_from(pairs: list[tuple[int, datetime]]) -> list[tuple[int, datetime]]:
    """Sort a version history and refuse duplicates."""
    pairs = sorted(pairs, key=lambda pair: pair[0])
    numbers = [number for number, _ in pairs]
    if len(set(numbers)) != len(numbers):
        raise BadRecord("the version history lists a version twice")
    return pairs


# --------------------------------------------------------------------------- XML


class XmlError(Exception):
    """The document is not (safe) XML."""


def parse_xml(data: bytes) -> Element:
    """Parse untrusted XML with defusedxml (no entities, no DTD fetching, no network).

    Documents that use a namespace prefix without declaring it (some printed OAI samples do)
    get a placeholder declaration and are parsed again; callers match on local names anyway.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise XmlError("XML input must be bytes")
    data = bytes(data)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise XmlError(f"document larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        return _fromstring(data)
    except XmlError as exc:
        if "unbound prefix" not in str(exc):
            raise
    return _fromstring(_declare_missing_prefixes(data))


def _fromstring(data: bytes) -> Element:
    try:
        return cast(Element, safe_et.fromstring(data, forbid_dtd=True))
    except DefusedXmlException as exc:
        raise XmlError(f"forbidden XML construct ({type(exc).__name__})") from None
    except ParseError as exc:
        raise XmlError(f"not well-formed XML: {exc}") from None
    except (ValueError, LookupError, UnicodeError, RecursionError, TypeError) as exc:
        raise XmlError(f"not readable XML: {exc}") from None


def _declare_missing_prefixes(data: bytes) -> bytes:
    used = {m[1] or m[2] for m in _PREFIX_USE.finditer(data)}
    declared = set(_PREFIX_DECL.findall(data)) | {b"xml", b"xmlns"}
    missing = sorted(p for p in used if p and p not in declared)
    if not missing:
        return data
    # Find the root element's start tag (skip the XML declaration, comments, PIs).
    pos = 0
    while True:
        match = _ROOT_TAG.search(data, pos)
        if match is None:
            return data
        start = match.start()
        if data[start + 1 : start + 2] not in (b"?", b"!"):
            break
        pos = match.end()
    insert_at = match.end()
    declarations = b"".join(b' xmlns:%s="urn:undeclared:%s"' % (p, p) for p in missing)
    return data[:insert_at] + declarations + data[insert_at:]


def local(tag: object) -> str:
    """Local name of an ElementTree tag (``{ns}name`` or ``prefix:name`` -> ``name``)."""
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    if tag.startswith("{"):
        return tag.rsplit("}", 1)[-1]
    return tag.rsplit(":", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def child(element: Element, name: str) -> Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def child_text(element: Element, name: str) -> str | None:
    found = child(element, name)
    if found is None:
        return None
    return "".join(found.itertext())


def attr(element: Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace."""
    if name in element.attrib:
        return element.attrib[name]
    for key, value in element.attrib.items():
        if local(key) == name:
            return value
    return None


# --------------------------------------------------------------------------- files

_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_ZIP_MAGIC = b"PK\x03\x04"
_BZ2_MAGIC = b"BZh"


def compression_of(path: Path) -> str | None:
    """ "gz", "xz", "zip", "bz2" or None (plain), from the first bytes of the file."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_GZIP_MAGIC):
        return "gz"
    if head.startswith(_XZ_MAGIC):
        return "xz"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_BZ2_MAGIC) and path.suffix.lower() in (".bz2", ".bz", ".tbz2"):
        return "bz2"
    return None


def open_input(path: str | Path) -> BinaryIO:
    """Open ``path`` for streaming binary reading, decompressing .gz/.xz/.bz2/.zip on the fly.

    The compression is recognised from the file's first bytes, not its name. A .zip must hold
    one data file (the largest member is used). The returned stream is a context manager;
    closing it closes the underlying file.
    """
    path = Path(path)
    kind = compression_of(path)
    if kind == "gz":
        return cast(BinaryIO, gzip.open(path, "rb"))
    if kind == "xz":
        return cast(BinaryIO, lzma.open(path, "rb"))
    if kind == "bz2":
        return cast(BinaryIO, bz2.open(path, "rb"))
    if kind == "zip":
        archive = zipfile.ZipFile(path)
        try:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if not members:
                raise OSError(f"{path.name}: the zip archive is empty")
            member = max(members, key=lambda info: info.file_size)
            # The member keeps the underlying file open after the archive object is closed.
            return cast(BinaryIO, archive.open(member))
        finally:
            archive.close()
    return cast(BinaryIO, open(path, "rb"))


def read_all(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The (decompressed) content of a file, refusing anything above ``limit`` bytes."""
    with open_input(path) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path.name} is larger than {limit} bytes once decompressed")
    return data


def is_tar(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2"))


# What may follow a tar archive's end-of-archive marker: its padding to a whole record (10 KiB by
# default; 1 MiB covers any blocking factor tools use). Reading past it would let trailing junk
# cost unbounded time for nothing.
_TAR_TAIL_BYTES = 1024 * 1024


def iter_tar_members(
    path: Path, accept: tuple[str, ...]
) -> Iterator[tuple[str, IO[bytes]] | Rejected]:
    """Stream the regular-file members of a tar archive whose names end with ``accept``.

    The archive is read once, front to back (``r|``): nothing is unpacked to disk, and each
    member's stream is only valid until the next item is requested. A damaged or truncated
    archive ends with one :class:`Rejected`, even when only its padding or its compression
    trailer is missing (every member's records are still read).
    """
    count = 0
    try:
        # The compression layer is opened here rather than by tarfile ("r|*"): tarfile's own
        # stream reader takes a compressed stream that simply stops as the end of the data, so an
        # archive cut after its last member's bytes (in the zero padding or the gzip trailer)
        # would pass as whole. gzip/lzma/bz2 raise EOFError instead, once the tail after the
        # end-of-archive marker is read below.
        with open_input(path) as stream, tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                name = member.name
                if not Path(name).name.lower().endswith(accept):
                    continue
                member_stream = archive.extractfile(member)
                if member_stream is None:
                    continue
                count += 1
                yield name, member_stream
            stream.read(_TAR_TAIL_BYTES)
    except STREAM_ERRORS as exc:
        where = f" after {count} files" if count else ""
        yield Rejected(
            f"archive is damaged or truncated{where}: {exc or type(exc).__name__}",
            None,
            path.name,
        )


# A line longer than this is not a metadata record (the longest real ones are ~100 KB); it is
# rejected and skipped without ever being held in memory whole.
MAX_LINE_BYTES = 4 * 1024 * 1024
_CHUNK = 1024 * 1024


def iter_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes, str | None]]:
    """(line number, line bytes, problem) for each line; bounded memory per line.

    ``problem`` is set (and the bytes empty) for an over-long line, and for a read error, after
    which iteration stops.
    """
    lineno = 0
    while True:
        lineno += 1
        try:
            raw = stream.readline(MAX_LINE_BYTES + 1)
        except STREAM_ERRORS as exc:
            reason = f"could not read the file from here on (damaged or truncated?): {exc}"
            yield lineno, b"", reason
            return
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            # Skip the rest of the line without keeping it.
            try:
                while True:
                    chunk = stream.readline(_CHUNK)
                    if not chunk or chunk.endswith(b"\n"):
                        break
            except STREAM_ERRORS as exc:
                yield lineno, b"", f"could not read the file from here on: {exc}"
                return
            yield lineno, b"", f"line longer than {MAX_LINE_BYTES} bytes"
            continue
        yield lineno, raw, None


def iter_json_objects(
    stream: IO[bytes], location: str
) -> Iterator[tuple[str, dict[str, Any]] | Rejected]:
    """(``location:line``, object) per JSON line, or a Rejected for a line that is not one.

    Blank lines are skipped. A broken stream ends with one Rejected.
    """
    for lineno, raw, problem in iter_lines(stream):
        where = f"{location}:{lineno}"
        if problem is not None:
            yield Rejected(problem, None, where)
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            if not raw.strip():
                continue
            reason = json_error(exc)
            if not raw.endswith(b"\n"):
                reason += " (last line incomplete: file truncated?)"
            yield Rejected(reason, _id_hint(raw, exc), where)
            continue
        if not isinstance(data, dict):
            yield Rejected("line is not a JSON object", None, where)
            continue
        yield where, data


def _id_hint(raw: bytes, exc: BaseException) -> str | None:
    """The arXiv id of a line that is valid JSON apart from its encoding, for the report."""
    if not isinstance(exc, UnicodeDecodeError):
        return None
    try:
        data = json.loads(raw.decode("utf-8", "replace"))
        return arxiv_id(data.get("id"))[0] if isinstance(data, dict) else None
    except (ValueError, RecursionError, BadRecord):
        return None


def json_error(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at position {exc.start})"
    return f"malformed JSON ({exc})"
