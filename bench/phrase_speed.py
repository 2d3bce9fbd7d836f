"""Quoted phrases through the search engine, this checkout beside another, side by side.

The phrase tail of #17: a quoted phrase of common words ("large language models", "in this
paper") walks the positions of every paper holding all its words. The set: phrases of two to
six adjacent words cut from the catalogue's own titles and abstracts (stop-words included,
as readers paste them), ``bench.search_speed``'s quoted title pairs, and a fixed list of
common ones; every cache off. Each checkout runs in a child process of its own
(``bench.search_engine_ab``'s), rounds alternate, and the figures are the engine's
(``search.search_filtered``: one page of ids and the count) and the whole selector's CPU
and wall p50 / p95, then the slowest phrases and how many answers differ (the count must
never differ; the first page may, where the ranking changed on purpose).

    PAPERFEED_DATA_DIR=… DATABASE_URL=… \\
        .venv/bin/python -m bench.phrase_speed OTHER [--phrases 400] [--rounds 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from pathlib import Path

from bench.search_engine_ab import HERE, _child, _p

COMMON = (
    "large language models",
    "in this paper",
    "state of the art",
    "we propose a",
    "neural networks",
    "language models",
    "deep learning",
    "reinforcement learning",
    "diffusion models",
    "graph neural networks",
    "the results show that our method",
    "to the best of our knowledge",
    "a novel",
    "in order to",
    "as well as",
    "on the other hand",
)


def phrases(count: int, seed: int = 37) -> list[str]:
    """``count`` distinct quoted phrases: the fixed common ones, then two to six adjacent
    words of sampled titles and abstracts."""
    from bench.search_speed import queries
    from paperfeed.papers.models import Paper

    rng = random.Random(seed)
    out = {f'"{text}"': None for text in COMMON}
    out.update({text: None for text in queries(count * 4) if text.startswith('"')})
    picked = Paper.objects.visible().order_by("?").values_list("title", "abstract")[: count * 2]
    for title, abstract in picked:
        words = (title if rng.random() < 0.5 else abstract).split()
        size = rng.choice((2, 2, 3, 3, 4, 6))
        if len(words) <= size:
            continue
        start = rng.randrange(len(words) - size)
        out['"' + " ".join(words[start : start + size]).replace('"', "") + '"'] = None
        if len(out) >= count:
            break
    return list(out)[:count]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path)
    parser.add_argument("--phrases", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--slowest", type=int, default=15)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from bench.common import table
    from paperfeed.papers.models import Paper

    texts = phrases(args.phrases)
    random.Random(41).shuffle(texts)
    # The child warms up on its last five texts and leaves them out.
    texts += [f'"{text}"' for text in ("deep networks", "image", "a b", "of the", "x y z")]
    checkouts = {"this": HERE, "other": args.other.resolve()}
    answers: dict[str, list[dict]] = {name: [] for name in checkouts}
    load = [os.getloadavg()[0]]
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(texts, handle)
        handle.flush()
        children = {
            name: _child(path, handle.name, args.rounds) for name, path in checkouts.items()
        }
        for n in range(args.rounds):
            order = list(checkouts) if n % 2 == 0 else list(reversed(checkouts))
            for name in order:
                child = children[name]
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(f"round {n}\n")
                child.stdin.flush()
                answers[name] += json.loads(child.stdout.readline())
            load.append(os.getloadavg()[0])
        for child in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait()
    print(
        f"{Paper.objects.count():,} papers; {len(answers['this'])} distinct phrases, "
        f"{args.rounds} alternating rounds, every cache off; "
        f"load average {min(load):.1f}-{max(load):.1f}"
    )
    rows = []
    for name, path in checkouts.items():
        figures = []
        for part in ("engine", "selector"):
            for clock in (0, 1):
                values = [a[part][clock] for a in answers[name]]
                figures.append(f"{_p(values, 0.5):.2f} / {_p(values, 0.95):.2f}")
        rows.append((f"{name} ({path})", *figures))
    print(
        table(rows, ("checkout", "engine CPU p50/p95 ms", "wall", "selector CPU p50/p95", "wall"))
    )
    other = {a["text"]: a for a in answers["other"]}
    slow = sorted(answers["other"], key=lambda a: -a["engine"][0])[: args.slowest]
    this = {a["text"]: a for a in answers["this"]}
    print("slowest in the other checkout (engine CPU ms, this | other; count)")
    print(
        table(
            [
                (
                    a["text"][:50],
                    f"{this[a['text']]['engine'][0] * 1000:.1f}",
                    f"{a['engine'][0] * 1000:.1f}",
                    str(a["total"]),
                )
                for a in slow
            ],
            ("phrase", "this", "other", "count"),
        )
    )
    counts = [a["text"] for a in answers["this"] if a["total"] != other[a["text"]]["total"]]
    pages = sum(1 for a in answers["this"] if a["ids"] != other[a["text"]]["ids"])
    print(f"answers that differ: count {len(counts)}, first page {pages}")
    for text in counts[:10]:
        print(f"  count differs: {text}: {this[text]['total']} != {other[text]['total']}")


if __name__ == "__main__":
    main()
