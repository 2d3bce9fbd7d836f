"""Code links on the real data: the link the old rule chose beside the one rule's choice.

Import the real data into a scratch data directory first (a couple of minutes):

    export PAPERFEED_DATA_DIR=/tmp/h6-data
    .venv/bin/python -m paperfeed migrate
    .venv/bin/python -m paperfeed ingest file ../shared/data/hf_daily_papers/*.tar.xz
    .venv/bin/python -m paperfeed ingest file ../shared/data/arxiv_daily_cs/daily_jsonl_*.tar.xz
    .venv/bin/python -m bench.codelinks [--shared ../shared] [--show 20]

The old rule, replayed here from the raw files and the stored texts: an HF scrape gave the
first GitHub link of its page (a pull request of another project included), a later scrape's
replacing an earlier one's; papers left without a link got the first repository linked in their
abstract or comments, GitHub first. The new rule is what ``code_links_find`` stores when it runs
on every imported paper (as it will after each import). Links are compared as repositories
(``github.com/owner/repo``), so a link into a repository and the repository itself are the same.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tarfile
import time
from pathlib import Path

from bench.common import SHARED, table

HF_ARCHIVE = "data/hf_daily_papers/atharvadomale_hf_daily_2025-12-04_to_2026-08-22.tar.xz"
_OLD_GITHUB = re.compile(
    r"^https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.IGNORECASE
)
_OLD_NOT_CODE_OWNERS = frozenset({"huggingface", "features", "about", "orgs", "sponsors"})


def old_scrape_links(archive: Path) -> dict[str, str]:
    """arXiv id -> the link the old scrape parser stored (the last scrape with one wins)."""
    import json

    from paperfeed.ingest.parsers.dates import arxiv_id
    from paperfeed.ingest.parsers.text import BadRecord

    chosen: dict[str, str] = {}
    with tarfile.open(archive) as tar:
        for member in sorted(
            (m for m in tar if m.isfile() and m.name.endswith(".json")), key=lambda m: m.name
        ):
            handle = tar.extractfile(member)
            if handle is None:
                continue
            for item in json.loads(handle.read()):
                details = item.get("details") or {}
                raw = details.get("arxiv_page_url") or item.get("paper_url") or ""
                raw = re.sub(r"^https?://(?:www\.)?huggingface\.co/papers/", "", raw.strip())
                try:
                    paper_id, _ = arxiv_id(raw, "id")
                except BadRecord:  # rejected by the importer too
                    continue
                for link in details.get("github_links") or []:
                    match = isinstance(link, str) and _OLD_GITHUB.match(link.strip())
                    if match and match[1].lower() not in _OLD_NOT_CODE_OWNERS:
                        chosen[paper_id] = link
                        break
    return chosen


def old_text_link(abstract: str, comments: str) -> str:
    """The old rule's link for a paper no scrape gave one: the first repository linked in its
    abstract or comments, GitHub first (it has star counts)."""
    from paperfeed.papers.codelinks import extract_code_links

    found = [*extract_code_links(abstract)[0], *extract_code_links(comments)[0]]
    github = [link for link in found if link.host == "github.com"]
    chosen = (github or found or [None])[0]
    return chosen.url if chosen else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument("--show", type=int, default=20, help="changed links to print")
    parser.add_argument("--seed", type=int, default=6, help="which changed links to print")
    args = parser.parse_args()
    if "PAPERFEED_DATA_DIR" not in os.environ:
        sys.exit("set PAPERFEED_DATA_DIR to the scratch data dir the real data was imported into")
    archive = args.shared / HF_ARCHIVE
    if not archive.exists():
        sys.exit(f"the HF scrapes are absent: {archive}")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from paperfeed.papers import codelinks
    from paperfeed.papers.models import Paper
    from paperfeed.trending import links

    scraped = old_scrape_links(archive)
    papers = list(Paper.objects.values_list("id", "arxiv_id", "title", "abstract", "comments"))
    if not papers:
        sys.exit("no papers: import the real data first (see the docstring)")
    old: dict[int, str] = {}
    for pk, arxiv, _title, abstract, comments in papers:
        url = scraped.get(arxiv, "")
        if not url:
            url = old_text_link(abstract, comments)
        old[pk] = url

    started = time.perf_counter()
    changed_papers = links.code_links_find(paper_ids=[pk for pk, *_ in papers])
    seconds = time.perf_counter() - started
    new = dict(Paper.objects.values_list("id", "code_url"))
    pages = dict(Paper.objects.exclude(project_page="").values_list("id", "project_page"))

    def key(url: str) -> str:
        outcome = codelinks.normalise_repo_url(url) if url else None
        return outcome.key if isinstance(outcome, codelinks.CodeLink) else ""

    titles = {pk: title for pk, _a, title, *_ in papers}
    ids = {pk: arxiv for pk, arxiv, *_ in papers}
    kinds: dict[str, list[int]] = {
        k: [] for k in ("unchanged", "changed", "newly found", "dropped", "none")
    }
    for pk in titles:
        before, after = key(old[pk]), key(new.get(pk, ""))
        if before and after:
            kinds["unchanged" if before == after else "changed"].append(pk)
        elif after:
            kinds["newly found"].append(pk)
        elif before:
            kinds["dropped"].append(pk)
        else:
            kinds["none"].append(pk)

    print(f"{len(papers)} papers; code_links_find on all of them: {seconds:.1f} s, "
          f"{changed_papers} papers written")  # fmt: skip
    print(table([(k, str(len(v))) for k, v in kinds.items()], ("old rule → new rule", "papers")))
    print(f"\nproject pages: {len(pages)} papers "
          f"({sum(1 for p in pages.values() if '.github.io' in p)} on github.io)")  # fmt: skip
    sample = random.Random(args.seed)
    for label, count in (("changed", args.show), ("dropped", 10), ("newly found", 10)):
        chosen = sorted(sample.sample(kinds[label], min(count, len(kinds[label]))))
        print(f"\n{label} ({len(chosen)} of {len(kinds[label])}):")
        for number, pk in enumerate(chosen, start=1):
            print(f"{number:2}. {ids[pk]}  {titles[pk][:90]}")
            print(f"      old: {old[pk] or '-'}\n      new: {new.get(pk) or '-'}")
    print("\nproject pages (10):")
    for pk in sorted(sample.sample(sorted(pages), min(10, len(pages)))):
        print(f"    {ids[pk]}  {pages[pk]}  ({titles[pk][:60]})")


if __name__ == "__main__":
    main()
