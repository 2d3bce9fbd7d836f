"""paperfeed's access logger writes gunicorn's own access line, byte for byte (the time aside),
and leaves every other configuration to gunicorn's logger (core/accesslog.py)."""

from __future__ import annotations

import base64
import logging
import random
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from gunicorn import glogging
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from gunicorn.http.wsgi import create
from gunicorn.instrument.statsd import Statsd

from paperfeed.core import accesslog, serving
from tests.helpers import free_port

REPO = Path(__file__).resolve().parents[2]
TIME = re.compile(rb"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]")
CUSTOM = "%(h)s %({user-agent}i)s %(U)s %(q)s %(m)s %(H)s %(s)s %(B)s %({etag}o)s"
ELAPSED = timedelta(microseconds=1234)


def _basic(credentials: bytes) -> str:
    return "Basic " + base64.b64encode(credentials).decode()


# Raw requests as a client sends them: every shape of line, hostile bytes where gunicorn's
# parser lets them through (the target is printable ASCII; a header value may hold a tab and
# any byte from 0x80, which gunicorn decodes as Latin-1).
REQUESTS = [
    b"GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: plain/1.0\r\nReferer: http://a/\r\n\r\n",
    b"GET /search?q=diffusion+models&page=2&x=%22y%22 HTTP/1.1\r\nHost: a\r\n\r\n",
    b'GET /a"b\\c/%00%ff/"x"?q="\\"&r=\\\\ HTTP/1.1\r\nHost: a\r\n\r\n',
    (
        b"GET /hostile HTTP/1.1\r\nHost: a\r\n"
        b'Referer: http://a/"quoted"\\back\\\\slash\ttab \xc3\xa9t\xc3\xa9 \xe6\x97\xa5 \xff\r\n'
        b'User-Agent: Mozilla/5.0 "x\\"y" \\ \t\xe2\x80\x9c\xc2\xa0\x80\r\n\r\n'
    ),
    b"GET /no-referer-no-agent HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /old HTTP/1.0\r\n\r\n",
    b"GET /stream HTTP/1.0\r\nUser-Agent: old\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n",
    b'GET /not-modified HTTP/1.1\r\nHost: a\r\nIf-None-Match: "v1"\r\n\r\n',
    b"GET /stream HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
    b"GET /boom HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /user HTTP/1.1\r\nHost: a\r\nAuthorization: "
    + _basic(b'al"ice\\:secret').encode()
    + b"\r\n\r\n",
    b"GET /user HTTP/1.1\r\nHost: a\r\nAuthorization: "
    + _basic("jürgen:pw".encode()).encode()
    + b"\r\n\r\n",
    b"GET /user HTTP/1.1\r\nHost: a\r\nAuthorization: "
    + _basic(b"\xff\xfe:pw").encode()
    + b"\r\n\r\n",
    b"GET /user HTTP/1.1\r\nHost: a\r\nAuthorization: Basic not*base64=\r\n\r\n",
    b"GET /user HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer abc\r\n\r\n",
    b"GET /refused HTTP/1.1\r\nHost: a\r\nUser-Agent: bell\x07\r\n\r\n",  # gunicorn's 400
    b"GET /logger HTTP/1.1\r\nHost: a\r\n\r\n",
]


@pytest.fixture(autouse=True)
def gunicorn_loggers():
    """gunicorn's two loggers as they were: each Logger made here takes them over."""
    saved = {}
    for name in ("gunicorn.access", "gunicorn.error"):
        log = logging.getLogger(name)
        saved[name] = (list(log.handlers), list(log.filters), log.propagate, log.level)
    yield
    for name, (handlers, filters, propagate, level) in saved.items():
        log = logging.getLogger(name)
        for handler in log.handlers:
            if handler not in handlers:
                handler.close()
        log.handlers[:] = handlers
        log.filters[:] = filters
        log.propagate = propagate
        log.setLevel(level)
        log.disabled = False


def _config(path: Path, access_log_format: str | None = None) -> Config:
    cfg = Config()
    cfg.set("accesslog", str(path))
    if access_log_format is not None:
        cfg.set("access_log_format", access_log_format)
    return cfg


def _answered(raw: bytes, cfg: Config, sock: socket.socket, status: str, sent: int | None):
    """(response, request, environ) as a sync worker has them once it answered ``raw``."""
    req = next(RequestParser(cfg, iter([raw]), ("10.1.2.3", 40000)))
    resp, environ = create(req, sock, ("10.1.2.3", 40000), ("127.0.0.1", 8000), cfg)
    resp.start_response(status, [("ETag", '"v1"'), ("Content-Length", str(sent or 0))])
    resp.sent = sent
    return resp, req, environ


# Characters a proxy or another worker may put in the environ gunicorn's parser would refuse.
PALETTE = ['"', "\\", "\\\\", '\\"', "\t", "\x00", "\x01", "\x1b", "\x7f", "\n", "\r", "é", "日",
           "\u2028", "\x85", " ", "-", "%", "%(h)s", "a", "Z", "0"]  # fmt: skip


def _hostile(rng: random.Random) -> str:
    return "".join(rng.choice(PALETTE) for _ in range(rng.randrange(0, 12)))


def _cases(cfg: Config, sock: socket.socket) -> list[tuple[Any, ...]]:
    """Real gunicorn requests, then their environs' logged values replaced by hostile text."""
    cases = []
    for raw in REQUESTS[:-2]:  # not gunicorn's refused one, nor the logger's name
        for status, sent in (("200 OK", 5), ("304 Not Modified", None), ("500 Oops", 0)):
            cases.append(_answered(raw, cfg, sock, status, sent))
    rng = random.Random(87)
    for _ in range(200):
        resp, req, environ = _answered(REQUESTS[0], cfg, sock, "200 OK", rng.randrange(10**6))
        for key in ("REMOTE_ADDR", "RAW_URI", "HTTP_REFERER", "HTTP_USER_AGENT", "REQUEST_METHOD"):
            if key.startswith("HTTP_") and rng.random() < 0.2:
                environ.pop(key, None)
            else:
                environ[key] = _hostile(rng)
        if rng.random() < 0.5:
            user = _hostile(rng).encode() + b":pw"
            environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(user).decode()
        resp.status = rng.choice(["200 OK", '20"0 x', "404", None, 201])
        cases.append((resp, req, environ))
    return cases


def _lines(path: Path) -> list[bytes]:
    return TIME.sub(b"[TIME]", path.read_bytes()).split(b"\n")


def _logged(cls: type, path: Path, cases: list[tuple[Any, ...]], fmt: str | None = None):
    logger = cls(_config(path, fmt))
    for resp, req, environ in cases:
        logger.access(resp, req, environ, ELAPSED)
    return logger


def test_the_line_is_gunicorns_for_real_and_hostile_requests(tmp_path, monkeypatch):
    one, other = socket.socketpair()
    try:
        cases = _cases(Config(), one)
        _logged(glogging.Logger, tmp_path / "stock.log", cases)
        # Its own path, never gunicorn's, for every one of them.
        monkeypatch.setattr(glogging.Logger, "access", None)
        _logged(accesslog.AccessLogger, tmp_path / "ours.log", cases)
    finally:
        one.close()
        other.close()
    stock, ours = _lines(tmp_path / "stock.log"), _lines(tmp_path / "ours.log")
    assert b"\n".join(stock).count(b"[TIME]") == len(cases) and stock[-1] == b""
    assert ours == stock
    assert b'- al\\"ice\\ [TIME] "GET /user HTTP/1.1" 200 5 "-" "-"' in b"\n".join(stock)


def test_the_time_is_gunicorns(tmp_path):
    ours = accesslog.AccessLogger(_config(tmp_path / "a.log"))
    for _ in range(3):
        before, text, after = glogging.Logger.now(ours), ours.now(), glogging.Logger.now(ours)
        if before == after:
            assert text == before
            return
    pytest.fail("the clock turned a second three times running")


@pytest.mark.parametrize("fmt", [CUSTOM, accesslog.DEFAULT_FORMAT + " %(D)s"])
def test_an_operators_format_is_gunicorns_own(tmp_path, fmt):
    one, other = socket.socketpair()
    try:
        cases = _cases(Config(), one)[:30]
        _logged(glogging.Logger, tmp_path / "stock.log", cases, fmt)
        logger = _logged(accesslog.AccessLogger, tmp_path / "ours.log", cases, fmt)
    finally:
        one.close()
        other.close()
    assert logger._direct is None
    assert _lines(tmp_path / "ours.log") == _lines(tmp_path / "stock.log")


def test_logging_configured_after_gunicorn_takes_gunicorns_path(tmp_path):
    one, other = socket.socketpair()
    try:
        cases = _cases(Config(), one)[:3]
        logger = accesslog.AccessLogger(_config(tmp_path / "ours.log"))
        assert logger._direct is not None
        seen: list[str] = []

        class Seen(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                seen.append(record.getMessage())

        log = logging.getLogger("gunicorn.access")
        log.addHandler(Seen())
        logger.access(*cases[0], ELAPSED)  # both handlers get it
        log.handlers.pop()
        log.propagate = True
        logger.access(*cases[1], ELAPSED)  # through the logging module, to its parents too
        log.propagate = False
        log.disabled = True
        logger.access(*cases[2], ELAPSED)  # nothing
        log.disabled = False
        logger.access(*cases[2], ELAPSED)
    finally:
        one.close()
        other.close()
    lines = (tmp_path / "ours.log").read_text().splitlines()
    assert len(lines) == 3 and seen == lines[:1]


def test_a_reopened_file_gets_the_next_lines(tmp_path):
    one, other = socket.socketpair()
    try:
        case = _cases(Config(), one)[0]
        logger = accesslog.AccessLogger(_config(tmp_path / "access.log"))
        logger.access(*case, ELAPSED)
        (tmp_path / "access.log").rename(tmp_path / "access.log.1")  # logrotate, then USR1
        logger.reopen_files()
        logger.access(*case, ELAPSED)
        logger.access(*case, ELAPSED)
    finally:
        one.close()
        other.close()
    assert len((tmp_path / "access.log.1").read_text().splitlines()) == 1
    assert len((tmp_path / "access.log").read_text().splitlines()) == 2


def test_no_access_log_writes_nothing(tmp_path):
    one, other = socket.socketpair()
    try:
        logger = accesslog.AccessLogger(Config())
        assert logger._direct is None and not logger.access_log_enabled
        logger.access(*_cases(Config(), one)[0], ELAPSED)
    finally:
        one.close()
        other.close()
    assert not logging.getLogger("gunicorn.access").handlers


def test_a_failed_write_is_reported_as_loggings_own(tmp_path, capsys):
    one, other = socket.socketpair()
    try:
        logger = accesslog.AccessLogger(_config(tmp_path / "access.log"))
        logger._direct.stream.close()  # a write now raises ValueError
        logger.access(*_cases(Config(), one)[0], ELAPSED)
        logger._direct.stream = None  # closed already
    finally:
        one.close()
        other.close()
    assert "--- Logging error ---" in capsys.readouterr().err


def test_statsd_keeps_gunicorns_statsd_logger(tmp_path):
    cfg = _config(tmp_path / "access.log")
    cfg.set("statsd_host", "127.0.0.1:9")
    logger = accesslog.AccessLogger(cfg)
    assert type(logger) is Statsd
    if logger.sock is not None:
        logger.sock.close()


def _serve(log: Path, extra: list[str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "tests.core.accesslog_app:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"]
    command += ["--access-logfile", str(log), *extra]
    server = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return server, port


def _ask(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        client.sendall(raw)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    return answer


def _wait(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            assert server.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not listen in 60 s"
            time.sleep(0.1)


def test_real_gunicorns_write_the_same_lines(tmp_path):
    ours = ["--logger-class", serving.ACCESS_LOGGER]
    custom = ["--access-logformat", CUSTOM]
    setups = {"stock": [], "ours": ours, "stock-custom": custom, "ours-custom": [*ours, *custom]}
    servers = {name: _serve(tmp_path / f"{name}.log", extra) for name, extra in setups.items()}
    try:
        answers: dict[str, list[bytes]] = {}
        for name, (server, port) in servers.items():
            _wait(server, port)
            answers[name] = [_ask(port, raw) for raw in REQUESTS]
    finally:
        for server, _ in servers.values():
            server.terminate()
        for server, _ in servers.values():
            server.wait(timeout=30)
    assert answers["stock"][-1].endswith(b"gunc") and answers["ours"][-1].endswith(b"ours")
    assert answers["stock"][-2].startswith(b"HTTP/1.1 400 ")
    assert b"Transfer-Encoding: chunked" in answers["stock"][9]
    lines = {name: _lines(tmp_path / f"{name}.log") for name in setups}
    assert len(lines["stock"]) == len(REQUESTS)  # every request but the refused one, and a ""
    assert lines["ours"] == lines["stock"]
    assert lines["ours-custom"] == lines["stock-custom"]
    assert lines["stock-custom"] != lines["stock"]
