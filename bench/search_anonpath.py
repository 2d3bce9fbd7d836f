"""CPU per anonymous search request with the lean path (core/anonpath.py) on and off, in one
process, each query asked both ways in turn.

Every cache off, the HTTP mix's distinct queries (``bench.search_speed.queries``), each request
through Django's whole handler with the test client. Each query is asked with
``PAPERFEED_ANON_PATH`` on and off, the order swapped every query, so its pages are as warm for
both; time is the process's CPU.

    PAPERFEED_DATA_DIR=... DATABASE_URL=... .venv/bin/python -m bench.search_anonpath \\
        [--queries 600]
"""

from __future__ import annotations

import argparse
import os
import time
from urllib.parse import urlencode

from bench.http import django_uncached


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=600)
    args = parser.parse_args(argv)
    django_uncached()
    from django.conf import settings
    from django.test import Client

    from bench.search_speed import queries
    from paperfeed.core.anonpath import answered_early

    paths = ["/search?" + urlencode({"q": text}) for text in queries(args.queries + 20)]
    client = Client()
    for path in paths[:20]:  # imports and first loads
        client.get(path)
    spent: dict[bool, list[float]] = {True: [], False: []}
    early = 0
    for n, path in enumerate(paths[20:]):
        for on in (True, False) if n % 2 else (False, True):
            settings.PAPERFEED_ANON_PATH = on
            started = time.process_time()
            response = client.get(path)
            spent[on].append(time.process_time() - started)
            early += answered_early(response.wsgi_request)
    print(f"{len(spent[True])} queries each way; load average {os.getloadavg()[0]:.1f}")
    for on, times in spent.items():
        times.sort()
        mean = sum(times) / len(times) * 1000
        p50, p95 = times[len(times) // 2] * 1000, times[int(len(times) * 0.95)] * 1000
        label = "on " if on else "off"
        print(f"lean path {label}: CPU mean {mean:.2f} ms, p50 {p50:.2f}, p95 {p95:.2f}")
    print(f"answered by the lean path: {early} of {len(spent[True])} with it on")
    print(f"on / off, mean CPU: {sum(spent[True]) / sum(spent[False]):.2f}")


if __name__ == "__main__":
    main()
