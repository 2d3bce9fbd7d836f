"""How well the HF parser tells a scraped abstract from a submitter's note.

Joins the HF scrape texts (``shared/data/hf_daily_papers``) with arXiv's abstracts
(``shared/data/arxiv_daily_cs``) on arXiv id. A scraped text *is the abstract* when its words
match arXiv's abstract closely: difflib's ratio over the normalised word sequences is at least
``--threshold`` (0.7 by default; versions of one abstract score 0.8-1.0, summaries of it below
0.5). Then the rule the parser ships, :func:`scraped_text_is_abstract`, is scored against that
label: precision must be at least 99 %.

    .venv/bin/python -m bench.hf_abstracts [--threshold 0.7] [--show-errors] [--shared DIR]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import tarfile
from pathlib import Path

from bench.common import SHARED
from paperfeed.ingest.parsers.hf_abstract import scraped_text_is_abstract, strip_abstract_label
from paperfeed.ingest.parsers.hf_daily import parse_hf_scrape_path
from paperfeed.papers.records import PaperRecord

HF_ARCHIVE = "data/hf_daily_papers/atharvadomale_hf_daily_2025-12-04_to_2026-08-22.tar.xz"
DAILY_ARCHIVE = "data/arxiv_daily_cs/daily_jsonl_2025-03-18_to_2026-07-01.tar.xz"
_VERSION = re.compile(r"v\d+$")
_NON_WORD = re.compile(r"\W+")


def scraped_texts(path: Path) -> dict[str, tuple[str, str]]:
    """arXiv id -> (title, scraped text) for each paper's first non-empty scraped text."""
    found: dict[str, tuple[str, str]] = {}
    for record in parse_hf_scrape_path(path):
        if not isinstance(record, PaperRecord) or record.featured is None:
            continue
        text = record.abstract or record.featured.comment
        if text and record.arxiv_id not in found:
            found[record.arxiv_id] = (record.title or "", text)
    return found


def arxiv_abstracts(path: Path, wanted: set[str]) -> dict[str, str]:
    abstracts: dict[str, str] = {}
    with tarfile.open(path) as archive:
        for member in archive:
            stream = archive.extractfile(member) if member.isfile() else None
            if stream is None:
                continue
            for line in stream:
                item = json.loads(line)
                key = _VERSION.sub("", item["id"])
                if key in wanted:
                    abstracts[key] = item["summary"]
    return abstracts


def similarity(a: str, b: str) -> float:
    words_a = _NON_WORD.sub(" ", a.casefold()).split()
    words_b = _NON_WORD.sub(" ", b.casefold()).split()
    return difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).ratio()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    args = parser.parse_args(argv)
    if not (args.shared / HF_ARCHIVE).exists() or not (args.shared / DAILY_ARCHIVE).exists():
        sys.exit(f"bench needs the real data in {args.shared} (../shared, or --shared DIR)")
    texts = scraped_texts(args.shared / HF_ARCHIVE)
    abstracts = arxiv_abstracts(args.shared / DAILY_ARCHIVE, set(texts))
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for key, abstract in sorted(abstracts.items()):
        title, text = texts[key]
        label = similarity(strip_abstract_label(text), abstract) >= args.threshold
        said = scraped_text_is_abstract(text, title=title)
        outcome = ("t" if said == label else "f") + ("p" if said else "n")
        counts[outcome] += 1
        if args.show_errors and outcome in ("fp", "fn"):
            print(f"{outcome.upper()} {key}: {text[:200]!r}")
    said_yes = counts["tp"] + counts["fp"]
    are_yes = counts["tp"] + counts["fn"]
    precision = counts["tp"] / said_yes if said_yes else 0.0
    recall = counts["tp"] / are_yes if are_yes else 0.0
    print(f"scraped papers with a text: {len(texts)}; also in arxiv_daily_cs: {len(abstracts)}")
    print(f"label: word-sequence similarity >= {args.threshold} -> is the abstract ({are_yes})")
    print(
        f"rule: tp={counts['tp']} fp={counts['fp']} fn={counts['fn']} tn={counts['tn']}  "
        f"precision={precision:.3f} recall={recall:.3f}"
    )
    return 0 if precision >= 0.99 else 1


if __name__ == "__main__":
    sys.exit(main())
