"""A member's kept body read from the per-process cache: unpickled per request (``get``, as
before S85) against decoded once per stored entry (``ProcessCache.get_shared``), in process.

The body is a list page's shape at 1 M (`/papers/trending`: 142 KB in 151 texts with 150 vote
slots between them, readerslots.Body as caching keeps it). Best of 5 runs of 5,000 reads each.

    .venv/bin/python -m bench.kept_body_decode
"""

from __future__ import annotations

import os
import time
import timeit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

import django

django.setup()

from paperfeed.core.cachebackends import ProcessCache  # noqa: E402
from paperfeed.core.caching import _Copy  # noqa: E402
from paperfeed.core.readerslots import Body  # noqa: E402

READS = 5000


def main() -> None:
    pieces: list[str | bytes] = []
    for i in range(151):
        pieces.append(("x" * 940 + "é").encode())
        if i < 150:
            pieces += ["vote", f"{i}:2608.{i:05d}:12"]
    body = Body(200, "text/html; charset=utf-8", pieces, "v", None)
    store = ProcessCache("bench-kept-body", {})
    store.set("members:v4:/papers/trending", _Copy(time.time() + 3600, body), 3600)
    print(f"load {os.getloadavg()[0]:.1f}; a {sum(map(len, pieces[0::3])):,} B body")
    for name, read in (("get (unpickled)", store.get), ("get_shared", store.get_shared)):
        best = min(
            timeit.repeat(
                "read(key)",
                globals={"read": read, "key": "members:v4:/papers/trending"},
                number=READS,
                repeat=5,
            )
        )
        print(f"{name:16} {best / READS * 1e6:7.1f} µs a read")


if __name__ == "__main__":
    main()
