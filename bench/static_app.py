"""The baseline web app: saved response bodies served as static files by WhiteNoise.

It runs under the same gunicorn settings as ``paperfeed web`` (2 sync workers, access log on
stdout), so the difference from the real pages is what Django, the queries and the templates
cost, not the server. BENCH_STATIC_DIR is the folder of saved bodies.
"""

from __future__ import annotations

import os

from whitenoise import WhiteNoise


def _not_found(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def _ok(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _app(environ, start_response):  # type: ignore[no-untyped-def]
    # The harness polls /healthz on both servers before loading them.
    if environ.get("PATH_INFO") == "/healthz":
        return _ok(environ, start_response)
    return _not_found(environ, start_response)


application = WhiteNoise(_app, root=os.environ["BENCH_STATIC_DIR"], autorefresh=False)
