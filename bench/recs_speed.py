"""Speed of serving one reader's for-you list at 1 M papers and 100 k members (synthetic).

What a request does with the trained model, at full scale and with no shortcuts: the live model
on disk (memory-mapped, as the web worker opens it) for the PAPERFEED_RECS_MAX_PAPERS most
signalled papers with PAPERFEED_RECS_NEIGHBOURS collaborative neighbours each; the reader's
newest PAPERFEED_RECS_READER_PAPERS papers; their content neighbours (PAPERFEED_SIMILAR_K each);
the hidden papers left out; the blend and the ranking (``hybrid.rank_for_reader``).

Members' libraries follow a Zipf law over 1 M papers (a few papers are in many libraries), so
the readers' papers hit the model's rows as real readers would. The database reads around this
(the reader's signals, their papers' neighbour rows, the cards) are indexed look-ups whose cost
depends on the rows read, not on the catalogue's size; they are timed on the bench catalogue by
``bench.inprocess``. Pure: no Django.

    .venv/bin/python -m bench.recs_speed [--papers 1000000] [--members 100000] [--readers 300]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import sparse

from paperfeed.recs import hybrid, store


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--model-papers", type=int, default=20_000)
    parser.add_argument("--neighbours", type=int, default=1000)
    parser.add_argument("--reader-papers", type=int, default=200)
    parser.add_argument("--content-k", type=int, default=10)
    parser.add_argument("--readers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    # The model's papers: the most signalled ones, which under Zipf are the lowest ranks.
    popularity = rng.permutation(args.papers)  # popularity rank -> paper id
    model_ids = popularity[: args.model_papers]
    clock = time.perf_counter()
    rows = np.repeat(np.arange(args.model_papers), args.neighbours)
    cols = rng.integers(0, args.model_papers, size=len(rows))
    weights = rng.random(len(rows)).astype(np.float32)
    graph = sparse.csr_matrix((weights, (rows, cols)), shape=(args.model_papers, args.model_papers))
    with tempfile.TemporaryDirectory() as tmp:
        store.write_model(Path(tmp), meta={"bench": True}, ids=model_ids, graph=graph)
        write_s = time.perf_counter() - clock
        model = store.open_model(Path(tmp))
        assert model is not None
        size_mb = sum(f.stat().st_size for f in model.root.iterdir()) / 2**20
        opened = time.perf_counter()
        model.position(int(model_ids[0]))  # the id -> row map, built once per process
        open_ms = (time.perf_counter() - opened) * 1000

        timings: list[float] = []
        cpu: list[float] = []
        listed: list[int] = []
        for _ in range(args.readers):
            # A reader's papers: Zipf over popularity ranks (a > 1), clipped to the catalogue.
            ranks = np.minimum(rng.zipf(1.3, size=args.reader_papers * 2) - 1, args.papers - 1)
            own = np.unique(popularity[ranks])[: args.reader_papers]
            hidden = set(rng.integers(0, args.papers, size=50).tolist())
            content_rows = [
                (
                    int(p),
                    rng.integers(0, args.papers, size=args.content_k),
                    rng.random(args.content_k),
                )
                for p in own
            ]
            start, start_cpu = time.perf_counter(), time.process_time()
            collaborative = model.edges(int(p) for p in own)
            content = hybrid.Edges.of(content_rows)
            ranked = hybrid.rank_for_reader(
                collaborative=collaborative,
                content=content,
                content_weight=0.15,
                exclude=set(own.tolist()) | hidden,
                limit=120,
            )
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            listed.append(len(ranked))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"for-you serving, {args.papers:,} papers, {args.members:,} members "
        f"(model: {args.model_papers:,} papers x {args.neighbours} neighbours, "
        f"{size_mb:.0f} MB on disk, written in {write_s:.1f} s; id map {open_ms:.0f} ms once "
        f"per process)"
    )
    print(
        f"  {args.readers} readers of up to {args.reader_papers} papers: "
        f"p50 {percentile(timings, 0.5):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
        f"max {max(timings):.1f} ms (CPU time p50 {percentile(cpu, 0.5):.1f} ms, p95 "
        f"{percentile(cpu, 0.95):.1f} ms); {np.mean(listed):.0f} papers ranked per reader; "
        f"peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
