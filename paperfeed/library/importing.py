"""Reading what a member imports into their library: a list of arXiv ids, or a BibTeX file.

Pure (no Django). The BibTeX parser is bibtexparser (v2): a well-kept library that never
evaluates anything, reports the blocks it could not parse instead of stopping, and runs in
time linear in its input. Its input is still hostile, so the size and the number of entries
are capped before and after parsing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from paperfeed.papers.ids import InvalidArxivId, parse_arxiv_id

# A library of a few thousand references is a few hundred KB of BibTeX.
MAX_IMPORT_CHARS = 512 * 1024
MAX_IMPORT_ENTRIES = 2000
# Where a reference names its arXiv id: eprint (arXiv's own BibTeX), arxiv/arxivid fields, a
# DOI of arXiv's (10.48550/arXiv.…), an abs or pdf URL, or "arXiv:…" in a journal or note.
_ID_FIELDS = (
    "eprint",
    "arxiv",
    "arxivid",
    "arxiv_id",
    "doi",
    "url",
    "journal",
    "note",
    "howpublished",
)
_ID_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv[:.]\s*|10\.48550/arxiv\.)"
    r"((?:[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d{1,3})?)",
    re.IGNORECASE | re.ASCII,
)


class ImportRefused(ValueError):
    """The whole input is refused (too large, empty); the message says why."""


@dataclass
class ImportScan:
    """What an input names: arXiv ids in order (each once), and what could not be read."""

    ids: list[str] = field(default_factory=list)
    # (what was given: an id or an entry's key, why it was skipped)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def add(self, arxiv_id: str) -> None:
        if arxiv_id not in self.ids:
            self.ids.append(arxiv_id)


def _check_size(text: str) -> None:
    if not text.strip():
        raise ImportRefused("Nothing to import: the list is empty.")
    if len(text) > MAX_IMPORT_CHARS:
        raise ImportRefused(
            f"That is too much to import at once ({len(text):,} characters; at most "
            f"{MAX_IMPORT_CHARS:,}). Split it into several imports."
        )


def _shown(value: str) -> str:
    return value if len(value) <= 80 else value[:79] + "…"


def scan_id_list(text: str) -> ImportScan:
    """arXiv ids (any form ``parse_arxiv_id`` reads: bare, versioned, ``arXiv:``, URLs),
    separated by whitespace, commas or semicolons."""
    _check_size(text)
    scan = ImportScan()
    tokens = [t for t in re.split(r"[\s,;]+", text) if t]
    if len(tokens) > MAX_IMPORT_ENTRIES:
        raise ImportRefused(
            f"That list has {len(tokens):,} ids; at most {MAX_IMPORT_ENTRIES:,} at once."
        )
    for token in tokens:
        try:
            scan.add(parse_arxiv_id(token).id)
        except InvalidArxivId:
            scan.skipped.append((_shown(token), "not an arXiv id"))
    return scan


def _entry_arxiv_id(fields: dict[str, str]) -> str | None:
    eprint = fields.get("eprint", "").strip()
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "")).strip().lower()
    if eprint and prefix in ("", "arxiv"):
        try:
            return parse_arxiv_id(eprint).id
        except InvalidArxivId:
            pass
    for name in _ID_FIELDS:
        value = fields.get(name, "")
        if not value:
            continue
        if name in ("arxiv", "arxivid", "arxiv_id"):
            try:
                return parse_arxiv_id(value.strip()).id
            except InvalidArxivId:
                continue
        match = _ID_IN_TEXT.search(value)
        if match:
            try:
                return parse_arxiv_id(match.group(1)).id
            except InvalidArxivId:
                continue
    return None


def scan_bibtex(text: str) -> ImportScan:
    """The arXiv ids of a BibTeX file's entries; entries without one, and blocks that do not
    parse, are reported by key (or line)."""
    _check_size(text)
    # Imported here: with pylatexenc it takes ~70 ms, and every web worker imports this module
    # (the library's views and API) though a member imports a .bib file rarely.
    import bibtexparser

    # bibtexparser logs every unparsable block at WARNING; the member gets them in the report.
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    library = bibtexparser.parse_string(text)
    entries = library.entries
    if len(entries) > MAX_IMPORT_ENTRIES:
        raise ImportRefused(
            f"That file has {len(entries):,} entries; at most {MAX_IMPORT_ENTRIES:,} at once."
        )
    if not entries and not library.failed_blocks:
        raise ImportRefused("No BibTeX entries found: is this a .bib file?")
    scan = ImportScan()
    for entry in entries:
        fields = {key.lower(): str(f.value) for key, f in entry.fields_dict.items()}
        arxiv_id = _entry_arxiv_id(fields)
        if arxiv_id is None:
            scan.skipped.append((_shown(entry.key or "(no key)"), "no arXiv id in this entry"))
        else:
            scan.add(arxiv_id)
    for block in library.failed_blocks:
        scan.skipped.append((f"line {(block.start_line or 0) + 1}", "not valid BibTeX"))
    return scan
