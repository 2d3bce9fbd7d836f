"""What giving back the search index's mapped pages after a request costs (paperfeed.core.mapped).

In one process on a catalogue, the same distinct searches (the whole search selector, as a
request runs it, caches off) under each policy, in alternating rounds:

- ``keep``: pages stay mapped (the kernel drops them only under memory pressure);
- ``each``: every search's pages are given back after it (the next search faults in what it
  reads again, from the page cache);
- ``bound N``: given back only once the process's file-backed resident memory passes N MB
  (what the middleware does, PAPERFEED_MAPPED_FILES_MB).

Prints, per policy, CPU ms per search (process time: p50, mean), minor page faults per search,
and the index's resident MB after the round (from /proc/self/smaps).

    .venv/bin/python -m bench.mapped_release --corpus 2.7m [--backend postgres] \
        [--queries 300] [--rounds 2] [--bound 64]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

from bench.common import BENCH_VAR, table


def index_resident_mb() -> float:
    total, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            first = line.split(maxsplit=1)[0]
            if "-" in first and not first.endswith(":"):
                inside = "/search/" in line
            elif inside and first == "Rss:":
                total += int(line.split()[1])
    return total / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="2.7m")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bound", type=int, default=64, help="MB, the bound policy's")
    args = parser.parse_args(argv)
    meta = json.loads((BENCH_VAR / "corpora" / f"{args.backend}-{args.corpus}.json").read_text())
    os.environ.update(meta["env"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    os.environ["PAPERFEED_SEARCH_CACHE_SECONDS"] = "0"
    # The release is driven here, per policy, not by the middleware (which is not in the path).
    import django

    django.setup()
    from django.conf import settings

    from bench.search_speed import queries
    from paperfeed.core import mapped
    from paperfeed.papers import textindex
    from paperfeed.papers.search_selectors import search_papers

    if textindex.engine_index() is None:
        raise SystemExit("no search index for this database: run `paperfeed search rebuild`")
    texts = queries(args.queries)
    prefixes = [str(textindex.index_dir()), str(settings.DATA_DIR)]
    bound = args.bound * 2**20
    policies = ("keep", "each", f"bound {args.bound}")
    cpu: dict[str, list[float]] = {name: [] for name in policies}
    faults: dict[str, int] = dict.fromkeys(policies, 0)
    resident: dict[str, list[float]] = {name: [] for name in policies}
    for text in texts[:20]:  # the index's hottest pages read once, for every policy alike
        search_papers(query=text, limit=20, mode="keyword")
    for _ in range(args.rounds):
        for name in policies:
            mapped.release(prefixes)  # each round starts from the same state
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for text in texts:
                started = time.process_time()
                search_papers(query=text, limit=20, mode="keyword")
                if name == "each" or (name != "keep" and mapped.file_resident_bytes() > bound):
                    mapped.release(prefixes)
                cpu[name].append(time.process_time() - started)
            faults[name] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
            resident[name].append(index_resident_mb())
    rows = []
    for name in policies:
        ordered = sorted(cpu[name])
        rows.append(
            (
                name,
                f"{ordered[len(ordered) // 2] * 1000:.2f}",
                f"{sum(ordered) / len(ordered) * 1000:.2f}",
                f"{sum(cpu[name]) / sum(cpu['keep']):.3f}",
                f"{faults[name] / len(ordered):.0f}",
                " / ".join(f"{mb:.0f}" for mb in resident[name]),
            )
        )
    print(
        f"{args.backend}/{args.corpus}: {len(texts)} distinct searches x {args.rounds} rounds per"
        f" policy, alternating; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        table(
            rows,
            (
                "policy",
                "CPU ms p50",
                "CPU ms mean",
                "CPU vs keep",
                "minor faults/search",
                "index MB resident after each round",
            ),
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
