"""Which chips of a built catalogue are generic: the words leading and ending the most distinct
chips, and how many papers show an acronym beside its own expansion. The word lists
`vocabulary.EDGE` (evaluative adjectives) and `vocabulary.GENERIC_HEAD` were read off this.

    PAPERFEED_DATA_DIR=… DATABASE_URL=… .venv/bin/python -m bench.glance_generic [--top N]

Run it after `paperfeed summaries build --full` on a copy of the real catalogue.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter, defaultdict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=80)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from paperfeed.papers.glance.chips import abbreviates
    from paperfeed.papers.glance.models import PaperGlance

    firsts: dict[str, set[str]] = defaultdict(set)
    heads: dict[str, set[str]] = defaultdict(set)
    uses: Counter[str] = Counter()
    papers = both = 0
    for chips in PaperGlance.objects.values_list("keywords", flat=True).iterator(2000):
        papers += 1
        if any(abbreviates(a, b) for a in chips for b in chips if a is not b):
            both += 1
        for chip in chips:
            words = chip.lower().split()
            if len(words) > 1:
                firsts[words[0]].add(chip.lower())
                heads[words[-1]].add(chip.lower())
                uses[chip.lower()] += 1
    for title, table in (("first words", firsts), ("heads", heads)):
        ranked = sorted(table.items(), key=lambda item: -len(item[1]))[: args.top]
        print(
            f"{title} of the most distinct chips: " + ", ".join(f"{w} {len(s)}" for w, s in ranked)
        )
    print("most used chips: " + ", ".join(f"{c} {n}" for c, n in uses.most_common(args.top)))
    print(
        f"{papers} papers, {both} ({both / max(1, papers):.1%}) show an acronym and its expansion"
    )


if __name__ == "__main__":
    main()
