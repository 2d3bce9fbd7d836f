"""Similar papers, variant by variant, on the imported shared corpus (issue 17).

For each variant of the neighbour score (the text alone as before; author names as words in the
tf-idf text, as arxiv-sanity does; author names and categories as weighted fields beside the
text, see ``paperfeed/papers/similar/fields.py``), in one run and on the same papers:

- the share of the top 10 in the query paper's primary category, and the share with a co-author
  in common (Author rows: one per normalised full name), on two fixed, seeded, disjoint query
  sets of papers: ``tune`` (the weights were chosen on it) and ``test`` (held out);
- how much the fields reorder: the share of the text-only top 10 that a variant keeps;
- for the rows marked ``timed``, the CPU seconds of a whole build in this process (CPU, not
  wall time, so that other work on a shared machine does not count): fitting the text space
  (tf-idf + SVD; embeddings are read from a cache, see below), the field matrices, and every
  paper's top 10 (the ``vectors``, ``fields`` and ``neighbours`` phases of
  ``paperfeed similar build``);
- a random baseline.

Embeddings rows appear when ``bench.quality.encode`` has written the vectors of the catalogue
(``var/.../bench/embeddings-<max tokens>.npz``); encoding is an hour of CPU at 75 k papers and is
not part of the timed build here. When those vectors cover only part of the catalogue, every
row of this run is computed on the covered papers and the header says so.

    PAPERFEED_DATA_DIR=var/dev-similar .venv/bin/python -m bench.similar_variants [--grid]

``--grid`` adds a sweep of weights (agreements only, no timed build).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from dataclasses import dataclass

import numpy as np

K = 10
QUERIES = 5000


@dataclass(frozen=True)
class Variant:
    name: str
    # "tfidf", "embeddings", or "blend" (both text spaces, half the text share each).
    engine: str = "tfidf"
    # How each paper's tf-idf text is made: "plain" (title twice + abstract, the engine's
    # text), or with its author / category tokens appended as words.
    text: str = "plain"
    authors: float = 0.0
    categories: float = 0.0
    # Also time a whole build of this variant (every paper's top 10).
    timed: bool = False


def variants(chosen_authors: float, chosen_categories: float, embeddings: bool) -> list[Variant]:
    a, c = chosen_authors, chosen_categories
    rows = [
        Variant("tfidf: text only (before)", timed=True),
        Variant("tfidf: author names as words in the text", text="authors-in-text"),
        Variant("tfidf: categories as words in the text", text="categories-in-text"),
        Variant(f"tfidf: + authors {a}", authors=a),
        Variant(f"tfidf: + categories {c}", categories=c),
        Variant(
            f"tfidf: + authors {a} + categories {c} (chosen)", authors=a, categories=c, timed=True
        ),
    ]
    if embeddings:
        rows += [
            Variant("embeddings: text only (before)", engine="embeddings"),
            Variant(
                f"embeddings: + authors {a} + categories {c}", "embeddings", authors=a, categories=c
            ),
            Variant("tfidf+embeddings blend: text only", engine="blend"),
            Variant(
                f"tfidf+embeddings blend: + authors {a} + categories {c}",
                "blend",
                authors=a,
                categories=c,
            ),
        ]
    return rows


def grid() -> list[Variant]:
    return [
        Variant(f"tfidf: + authors {a} + categories {c}", authors=a, categories=c)
        for a in (0.1, 0.15, 0.2, 0.25, 0.3)
        for c in (0.0, 0.03, 0.05, 0.1)
    ]


def agreements(
    queries: np.ndarray, found: np.ndarray, primary: np.ndarray, authors: list[set[int]]
) -> tuple[float, float]:
    same = float((primary[found] == primary[queries][:, None]).mean())
    shared = np.mean(
        [bool(authors[q] & authors[j]) for q, row in zip(queries, found, strict=True) for j in row]
    )
    return same, float(shared)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true", help="also sweep the field weights")
    parser.add_argument("--max-tokens", type=int, default=256, help="embeddings cache to read")
    parser.add_argument("--no-build", action="store_true", help="agreements only, no timing")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.conf import settings

    from bench.quality.encode import cache_path
    from paperfeed.papers.models import Author, Paper, PaperAuthor, PaperCategory
    from paperfeed.papers.similar import fields, neighbours, services, text, tfidf

    started = time.monotonic()
    rows = list(
        Paper.objects.order_by("id").values_list("id", "title", "abstract", "primary_category")
    )
    position = {pk: i for i, (pk, *_rest) in enumerate(rows)}
    keys = dict(Author.objects.values_list("id", "key"))
    author_ids: list[list[int]] = [[] for _ in rows]
    for paper_id, author_id in PaperAuthor.objects.order_by("paper_id", "position").values_list(
        "paper_id", "author_id"
    ):
        author_ids[position[paper_id]].append(author_id)
    cats: list[list[str]] = [[] for _ in rows]
    for paper_id, category in PaperCategory.objects.order_by("paper_id", "position").values_list(
        "paper_id", "category"
    ):
        cats[position[paper_id]].append(category)
    names = [[keys[a] for a in ids] for ids in author_ids]
    print(f"catalogue: {len(rows)} papers ({time.monotonic() - started:.0f} s to load)")

    docs = {
        "plain": [text.document(t, a) for _, t, a, _ in rows],
    }
    usable = np.array([text.is_usable(d) for d in docs["plain"]])
    ids = np.array([r[0] for r in rows])
    embedded: np.ndarray | None = None
    encoded = cache_path(settings.DATA_DIR, args.max_tokens)
    if encoded.exists():
        stored = np.load(encoded)
        count = len(stored["vectors"])
        if np.array_equal(stored["ids"][:count], ids[:count]):
            embedded = tfidf.normalize_rows(stored["vectors"])
            usable[count:] = False
            embedded = embedded[usable[:count]]
    keep = np.nonzero(usable)[0]
    if embedded is not None and len(keep) < len(rows):
        print(f"embeddings cover {len(keep)} papers: every row is on those papers only")
    primary = np.array([rows[i][3] for i in keep])
    authors_of = [set(author_ids[i]) for i in keep]
    names = [names[i] for i in keep]
    cats = [cats[i] for i in keep]
    with_authors = [
        f"{docs['plain'][i]}. " + " ".join("author_" + re.sub(r"\W+", "_", n) for n in names[j])
        for j, i in enumerate(keep)
    ]
    with_cats = [
        f"{docs['plain'][i]}. " + " ".join("cat_" + c.replace(".", "_") for c in cats[j])
        for j, i in enumerate(keep)
    ]
    texts = {
        "plain": [docs["plain"][i] for i in keep],
        "authors-in-text": with_authors,
        "categories-in-text": with_cats,
    }
    total = len(keep)
    rng = random.Random(17)
    size = min(QUERIES, total // 2)
    drawn = rng.sample(range(total), 2 * size)
    query_sets = {"tune": np.array(drawn[:size]), "test": np.array(drawn[size:])}
    print(f"query sets: 2 x {size} papers (seed 17, disjoint) among {total}\n")

    spaces: dict[tuple[str, str], tuple[np.ndarray, float]] = {}

    def text_space(engine: str, kind: str) -> tuple[np.ndarray, float]:
        if (engine, kind) not in spaces:
            fit_started = time.process_time()
            if engine == "embeddings":
                assert embedded is not None
                vectors = embedded
            elif engine == "blend":
                half = np.float32(np.sqrt(0.5))
                tfidf_vectors = text_space("tfidf", kind)[0]
                vectors = np.hstack(
                    [tfidf_vectors * half, text_space("embeddings", kind)[0] * half]
                )
            else:
                _, vectors = tfidf.fit(texts[kind], tfidf.Params())
            spaces[engine, kind] = (vectors, time.process_time() - fit_started)
        return spaces[engine, kind]

    text_only: dict[str, list[np.ndarray]] = {}

    def run(variant: Variant) -> tuple[str, ...]:
        vectors, fit_seconds = text_space(variant.engine, variant.text)
        weights = fields.Weights(authors=variant.authors, categories=variant.categories)
        field_started = time.process_time()
        dense, sparse_part = fields.neighbour_space(vectors, names, cats, weights)
        field_seconds = time.process_time() - field_started
        figures = []
        lists = []
        for chosen in query_sets.values():
            sub_extra = (sparse_part[chosen], sparse_part) if sparse_part is not None else None
            found, _ = neighbours.top_k(dense[chosen], dense, K + 1, extra=sub_extra)
            # A paper is its own best match: drop it, keep the next 10.
            found = np.array(
                [[j for j in row if j != q][:K] for q, row in zip(chosen, found, strict=True)]
            )
            figures.extend(agreements(chosen, found, primary, authors_of))
            lists.append(found)
        baseline = text_only.setdefault(variant.engine, lists)
        kept = np.mean(
            [len(set(a) & set(b)) / K for a, b in zip(baseline[1], lists[1], strict=True)]
        )
        build = ""
        if variant.timed and not args.no_build:
            extra = (sparse_part, sparse_part) if sparse_part is not None else None
            nbr_started = time.process_time()
            neighbours.top_k(dense, dense, K, self_offset=0, extra=extra)
            nbr_seconds = time.process_time() - nbr_started
            build = (
                f"{fit_seconds + field_seconds + nbr_seconds:.0f} s (fit {fit_seconds:.0f}, "
                f"fields {field_seconds:.1f}, top-10 {nbr_seconds:.0f})"
            )
        return (variant.name, *(f"{v:.3f}" for v in figures), f"{kept:.2f}", build)

    headers = (
        "variant",
        "tune: same cat",
        "co-author",
        "test: same cat",
        "co-author",
        "test: kept from text only",
        "build in process (CPU s)",
    )
    out_rows: list[tuple[str, ...]] = []
    random_rows = []
    for chosen in query_sets.values():
        picks = np.array(
            [[j for j in rng.sample(range(total), K + 1) if j != q][:K] for q in chosen]
        )
        random_rows.extend(agreements(chosen, picks, primary, authors_of))
    out_rows.append(("random neighbours", *(f"{v:.3f}" for v in random_rows), "", ""))
    chosen_weights = services.FIELD_WEIGHTS
    todo = variants(chosen_weights.authors, chosen_weights.categories, embedded is not None)
    if args.grid:
        todo += grid()
    for variant in todo:
        row = run(variant)
        print("  ".join(row), flush=True)
        out_rows.append(row)
    from bench.common import table

    print()
    print(table(out_rows, headers))
    print(f"\n({time.monotonic() - started:.0f} s in all; load average {os.getloadavg()})")


if __name__ == "__main__":
    main()
