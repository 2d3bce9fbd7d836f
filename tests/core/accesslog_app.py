"""The WSGI application tests/core/test_accesslog.py serves under gunicorn with each logger:
answers of every shape the access log writes a line for."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any


def _streamed() -> Iterator[bytes]:
    yield b"one "
    yield b""
    yield b"two "
    yield b"three"


def application(environ: dict[str, Any], start_response: Any) -> Any:
    path = environ["PATH_INFO"]
    if path == "/not-modified":
        start_response("304 Not Modified", [("ETag", '"v1"')])
        return []
    if path == "/stream":  # no length: chunked on HTTP/1.1, to the close on HTTP/1.0
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _streamed()
    if path == "/boom":  # gunicorn's own 500, logged by its error path
        raise RuntimeError("the test application's failure")
    if path == "/logger":  # which logger class the worker runs (4 bytes either way)
        body = b"ours" if "paperfeed.core.accesslog" in sys.modules else b"gunc"
    else:
        body = environ["wsgi.input"].read() or b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
