"""Where a request's time goes: pyinstrument over one path, in process, caches off.

The request runs through Django's whole handler (middleware, view, queries, template) with the
test client, so the profile covers everything a gunicorn worker does except the socket.

    PAPERFEED_DATA_DIR=... DATABASE_URL=... .venv/bin/python -m bench.profile --path /papers \
        --output FILE [--requests 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def profile(path: str, requests: int, output: Path) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    response = client.get(path)  # warm imports, template loading, the OS file cache
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    with profiler:
        for _ in range(requests):
            client.get(path)
    seconds = time.perf_counter() - start
    text = profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(f"{path}: {requests} requests, {seconds / requests * 1000:.1f} ms each\n")
    with output.open("a") as handle:
        handle.write(text)
    return {"path": path, "ms_per_request": round(seconds / requests * 1000, 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", required=True)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    # The child is started with the catalogue's environment and every cache off.
    result = profile(args.path, args.requests, args.output)
    print(result)


if __name__ == "__main__":
    main(sys.argv[1:])
