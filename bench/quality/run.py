"""Quality of similar papers and search by meaning on the imported corpus (issue 8).

1. Known-item search: for 1,000 random papers the query is the title with two words dropped
   and the rest shuffled; MRR@10 of keyword, semantic and hybrid search.
2. Similar papers: the share of the top 10 neighbours with the paper's primary category, and
   with a co-author in common; both beside a random baseline.
3. The in-process cost of one semantic query per engine: turning the query into a vector (the
   tf-idf projection or the ONNX encoder) plus the exact search over every vector.

Per engine: tf-idf from the live index (run ``paperfeed similar build --full`` first) and
sentence embeddings from the vectors ``bench.quality.encode`` wrote. When those cover only part
of the catalogue, every figure of that engine (and a tf-idf row on the same papers, for a fair
comparison) is computed on the covered papers and the count is printed.

    PAPERFEED_DATA_DIR=var/dev-similar .venv/bin/python -m bench.quality.run
"""

from __future__ import annotations

import argparse
import os
import random
import time

import numpy as np

K = 10


def known_item_queries(titles: dict[int, str], sample: list[int], seed: int) -> dict[int, str]:
    rng = random.Random(seed)
    queries = {}
    for pk in sample:
        words = titles[pk].split()
        if len(words) > 3:
            for _ in range(2):
                words.pop(rng.randrange(len(words)))
        rng.shuffle(words)
        queries[pk] = " ".join(words)
    return queries


def mrr(rankings: dict[int, list[int]]) -> float:
    total = 0.0
    for target, ranked in rankings.items():
        if target in ranked[:K]:
            total += 1.0 / (ranked.index(target) + 1)
    return total / max(len(rankings), 1)


def neighbour_figures(
    rows: np.ndarray, neighbours: np.ndarray, categories: np.ndarray, authors: list[set[int]]
) -> tuple[float, float]:
    same_category = float((categories[neighbours] == categories[rows][:, None]).mean())
    shared = [
        bool(authors[i] & authors[j]) for i, row in zip(rows, neighbours, strict=True) for j in row
    ]
    return same_category, float(np.mean(shared))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.conf import settings

    from paperfeed.papers import querysyntax, search
    from paperfeed.papers.models import Paper, PaperAuthor
    from paperfeed.papers.similar import embeddings, fusion, neighbours, services, store
    from paperfeed.papers.similar.tfidf import normalize_rows

    from .encode import cache_path

    started = time.monotonic()
    rows = list(Paper.objects.order_by("id").values_list("id", "title", "primary_category"))
    position = {pk: i for i, (pk, _, _) in enumerate(rows)}
    titles = {pk: title for pk, title, _ in rows}
    categories = np.array([c for _, _, c in rows])
    authors: list[set[int]] = [set() for _ in rows]
    for paper_id, author_id in PaperAuthor.objects.values_list("paper_id", "author_id"):
        authors[position[paper_id]].add(author_id)
    print(f"catalogue: {len(rows)} papers ({time.monotonic() - started:.0f} s to load)")

    index = store.open_index(services.index_dir())
    if index is None:
        raise SystemExit("no index: run `paperfeed similar build --full` first")
    engines: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # name -> (catalogue rows, vectors)
    engines["tfidf"] = (
        np.array([position[int(pk)] for pk in index.ids]),
        np.asarray(index.vectors, np.float32),
    )
    encoded = cache_path(settings.DATA_DIR, args.max_tokens)
    if encoded.exists():
        stored = np.load(encoded)
        count = len(stored["vectors"])
        engines["embeddings"] = (
            np.array([position[int(pk)] for pk in stored["ids"][:count]]),
            normalize_rows(stored["vectors"]),
        )
        if count < len(rows):
            in_subset = engines["embeddings"][0]
            keep = np.isin(engines["tfidf"][0], in_subset)
            engines[f"tfidf on the same {count} papers"] = (
                engines["tfidf"][0][keep],
                engines["tfidf"][1][keep],
            )

    encoder = None
    rng = random.Random(args.seed)
    print(f"\n{'engine':<34} {'papers':>7} {'same category':>14} {'co-author':>10}")
    for name, (cat_rows, vectors) in engines.items():
        nbr, _ = neighbours.top_k(vectors, vectors, K, self_offset=0)
        same, shared = neighbour_figures(cat_rows, cat_rows[nbr], categories, authors)
        print(f"{name:<34} {len(cat_rows):>7} {same:>14.3f} {shared:>10.3f}")
        random_nbr = np.array(
            [
                [j for j in rng.sample(range(len(cat_rows)), K + 1) if j != i][:K]
                for i in range(len(cat_rows))
            ]
        )
        same, shared = neighbour_figures(cat_rows, cat_rows[random_nbr], categories, authors)
        print(f"{'  random baseline':<34} {len(cat_rows):>7} {same:>14.3f} {shared:>10.3f}")

    print(f"\nknown-item search, MRR@{K} over {args.queries} papers")
    print(
        f"{'engine':<34} {'keyword':>8} {'semantic':>9} {'hybrid':>8}"
        f" {'semantic query p50/p95':>24}"
    )
    for name, (cat_rows, vectors) in engines.items():
        ids_here = np.array([rows[i][0] for i in cat_rows])
        universe = set(ids_here.tolist())
        sample = random.Random(args.seed).sample(sorted(universe), args.queries)
        queries = known_item_queries(titles, sample, args.seed)
        runs: dict[str, dict[int, list[int]]] = {"keyword": {}, "semantic": {}, "hybrid": {}}
        seconds: list[float] = []
        for target, query in queries.items():
            parsed = querysyntax.parse_query(query)
            keyword, _ = search.search_filtered(
                terms=parsed.terms, phrases=parsed.phrases, limit=100
            )
            keyword = [pk for pk in keyword if pk in universe]
            if encoder is None and not name.startswith("tfidf"):
                encoder = embeddings.Encoder(embeddings.locate_model(), max_tokens=args.max_tokens)
                encoder.encode(["warm up"])
            query_started = time.perf_counter()
            if encoder is not None and not name.startswith("tfidf"):
                vector = encoder.encode([query])[0]
            else:
                vector = index.projection.transform([query])[0]
            found, _ = neighbours.search(vector, vectors, 100)
            seconds.append(time.perf_counter() - query_started)
            semantic = [int(pk) for pk in ids_here[found]]
            runs["keyword"][target] = keyword
            runs["semantic"][target] = semantic
            runs["hybrid"][target] = fusion.reciprocal_rank_fusion([keyword, semantic])
        seconds.sort()
        p50, p95 = (seconds[int(share * len(seconds))] * 1000 for share in (0.5, 0.95))
        print(
            f"{name:<34} {mrr(runs['keyword']):>8.3f} {mrr(runs['semantic']):>9.3f} "
            f"{mrr(runs['hybrid']):>8.3f} {f'{p50:.1f} / {p95:.1f} ms':>24}"
        )
    print(f"\n({time.monotonic() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
