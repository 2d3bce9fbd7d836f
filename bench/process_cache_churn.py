"""The per-process default cache (``core/cachebackends.ProcessCache``) when a site has more kept
bodies than the cache holds: its time a read, how often it decodes a body, and the memory it
keeps beside its entries.

Each request reads one kept body with ``get_shared``, as a member's page does
(``readerslots.kept_body``): half of them one of five list bodies (a 1 M list's shape, 142 KB,
as ``bench.kept_body_decode``), the other half one of 2,000 paper bodies (60 KB each, the low
end of a kept body's size), so that the cache (300 entries, Django's default) keeps a fraction
of the papers; a missing body is stored, as a rebuild does. Seeded: every run asks the same.

    .venv/bin/python -m bench.process_cache_churn
    BENCH_CODE_DIR=/tmp/base-s89 .venv/bin/python -m bench.process_cache_churn   # a baseline
"""

from __future__ import annotations

import os
import pickle
import random
import sys
import time

if os.environ.get("BENCH_CODE_DIR"):  # the code measured: another checkout's paperfeed
    sys.path.insert(0, os.environ["BENCH_CODE_DIR"])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

import django

django.setup()

from paperfeed.core import cachebackends  # noqa: E402
from paperfeed.core.caching import _Copy  # noqa: E402
from paperfeed.core.readerslots import Body  # noqa: E402

REQUESTS = 20_000
LISTS = 5
PAPERS = 2_000


def _body(texts: int, size: int, tag: str) -> Body:
    pieces: list[str | bytes] = []
    for i in range(texts):
        pieces.append((tag + "x" * (size - len(tag) - 2) + "é").encode())
        if i < texts - 1:
            pieces += ["vote", f"{i}:2608.{i:05d}:12"]
    return Body(200, "text/html; charset=utf-8", pieces, "v", None)


def run(name: str) -> dict[str, float]:
    decodes = [0]
    loads = pickle.loads

    def counted(data: bytes) -> object:
        decodes[0] += 1
        return loads(data)

    pickle.loads = counted  # type: ignore[assignment]
    store = cachebackends.ProcessCache(name, {})
    rng = random.Random(20)
    lists = [_body(151, 940, f"list {n}") for n in range(LISTS)]
    rebuilds = 0
    started = time.process_time()
    for _ in range(REQUESTS):
        if rng.random() < 0.5:
            n = rng.randrange(LISTS)
            key, make = f"members:v4:/papers/list-{n}", (lambda n=n: lists[n])
        else:
            n = rng.randrange(PAPERS)
            key, make = f"members:v4:/papers/2608.{n:05d}", (lambda n=n: _body(40, 1500, str(n)))
        hit = store.get_shared(key)
        if not isinstance(hit, _Copy):
            rebuilds += 1
            store.set(key, _Copy(time.time() + 3600, make()), 3600)
    spent = time.process_time() - started
    pickle.loads = loads
    # What the decoded values hold beside the cache's entries: each decoded body is about as
    # large as its pickled bytes; a decoded value whose entry is gone (or holds other bytes)
    # also keeps those bytes alive.
    entries = store._cache
    decoded = store._decoded
    ghosts = [k for k, (pickled, _) in decoded.items() if entries.get(k) is not pickled]
    return {
        "µs CPU a request": spent / REQUESTS * 1e6,
        "decodes": decodes[0],
        "rebuilds": rebuilds,
        "entries": len(entries),
        "decoded held": len(decoded),
        "of them stale": len(ghosts),
        "MB beside the entries": (
            sum(len(pickled) for pickled, _ in decoded.values())
            + sum(len(decoded[k][0]) for k in ghosts)
        )
        / 1e6,
    }


def main() -> None:
    code = os.environ.get("BENCH_CODE_DIR") or "this checkout"
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[0]
    figures = run(f"bench-churn-{os.getpid()}")
    shown = ", ".join(
        f"{name} {value:.2f}" if isinstance(value, float) else f"{name} {value:,}"
        for name, value in figures.items()
    )
    print(f"{code} (load {load}), {REQUESTS:,} requests: {shown}")


if __name__ == "__main__":
    main()
