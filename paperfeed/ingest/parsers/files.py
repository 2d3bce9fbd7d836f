"""Opening inputs: compressed files, tar archives streamed member by member, lines and JSON
objects read with bounded memory (pure)."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import orjson

from paperfeed.ingest.parsers.dates import arxiv_id
from paperfeed.ingest.parsers.text import BadRecord
from paperfeed.papers.records import Rejected

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

# Anything bigger than this in one XML/JSON document is not an upstream page.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024


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
            data = _loads(raw)
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


def _loads(raw: bytes) -> Any:
    """One JSON document, by orjson; a line orjson refuses is read again by ``json``.

    orjson is several times faster on the lines that are fine. The json module accepts a few
    documents orjson does not (UTF-16 text, NaN, lone surrogate escapes, integers beyond 64 bits)
    and words its errors as the import report always has, so what is accepted and what a bad
    line's error says stay exactly as they were.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


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


def count_lines(path: Path) -> int | None:
    """Lines in a plain (uncompressed) file or in the plain files of a folder: the record
    count of a JSON-lines input, known up front for a progress bar's total. None when it would
    mean decompressing the input once more (compressed files, archives)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and ".json" in p.name.lower())
    else:
        files = [path]
    total = 0
    for file in files:
        if is_tar(file) or compression_of(file) is not None:
            return None
        with open(file, "rb") as handle:
            size = 0
            last = b"\n"
            for block in iter(lambda: handle.read(1 << 20), b""):
                size += block.count(b"\n")
                last = block[-1:]
            total += size + (last != b"\n")
    return total
