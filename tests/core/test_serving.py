"""The served address as the default site URL and host names, gunicorn's control socket and
access logger."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from paperfeed.core import serving
from tests.helpers import free_port

REPO = Path(__file__).resolve().parents[2]
EVERY = "0.0.0.0"  # noqa: S104 - every interface, the case under test


def test_split_bind():
    assert serving.split_bind("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert serving.split_bind("[::]:8080") == ("[::]", 8080)
    assert serving.split_bind(f"{EVERY}:80") == (EVERY, 80)
    assert serving.split_bind("unix:/run/paperfeed.sock") is None
    assert serving.split_bind("localhost") is None


def test_served_url():
    assert serving.served_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert serving.served_url("papers.example.org", 80) == "http://papers.example.org"
    assert serving.served_url("::1", 8000) == "http://[::1]:8000"
    every = serving.served_url(EVERY, 8080)
    assert every.endswith(":8080") and EVERY not in every


def test_defaults_fill_only_what_the_operator_left_unset():
    defaults = ["127.0.0.1", "localhost"]
    local = serving.serving_defaults(
        host="127.0.0.1", port=8080, allowed_hosts=defaults, environ={}
    )
    assert local == {"PAPERFEED_SITE_URL": "http://127.0.0.1:8080"}

    every = serving.serving_defaults(host=EVERY, port=8080, allowed_hosts=defaults, environ={})
    hosts = every["ALLOWED_HOSTS"].split()
    assert hosts[:2] == defaults and len(hosts) > 2  # and this machine's names
    assert every["PAPERFEED_SITE_URL"].split("//")[1].split(":")[0].strip("[]") in {
        h.strip("[]") for h in hosts
    }

    configured = {"PAPERFEED_SITE_URL": "https://papers.example.org", "ALLOWED_HOSTS": "x"}
    assert (
        serving.serving_defaults(host=EVERY, port=8080, allowed_hosts=defaults, environ=configured)
        == {}
    )


def test_control_socket_is_per_instance_and_can_be_chosen(tmp_path):
    first = serving.control_socket_args(bind="127.0.0.1:8000", data_dir=tmp_path, extra=[])
    second = serving.control_socket_args(bind="127.0.0.1:8001", data_dir=tmp_path, extra=[])
    assert first == ["--control-socket", str(tmp_path / "gunicorn-127.0.0.1-8000.ctl")]
    assert first != second
    assert (
        serving.control_socket_args(bind="x:1", data_dir=tmp_path, extra=["--no-control-socket"])
        == []
    )
    long_dir = tmp_path / ("d" * 120)
    assert serving.control_socket_args(bind="x:1", data_dir=long_dir, extra=[]) == [
        "--no-control-socket"
    ]


def test_paperfeed_web_gives_gunicorn_its_access_logger_unless_the_operator_names_one(tmp_path):
    ours = ["--logger-class", serving.ACCESS_LOGGER]
    argv = serving.gunicorn_argv(
        bind="127.0.0.1:8000", workers=2, data_dir=tmp_path, extra=["--timeout", "60"], environ={}
    )
    assert argv[argv.index("--logger-class") : argv.index("--logger-class") + 2] == ours
    assert argv[-2:] == ["--timeout", "60"]  # the operator's own arguments come last
    assert serving.logger_class_args(extra=[], environ={"GUNICORN_CMD_ARGS": "-w 3"}) == ours
    for extra, environ in (
        (["--logger-class", "mine.Logger"], {}),
        (["--logger-class=mine.Logger"], {}),
        ([], {"GUNICORN_CMD_ARGS": "--workers 3 --logger-class mine.Logger"}),
    ):
        assert serving.logger_class_args(extra=extra, environ=environ) == []
        argv = serving.gunicorn_argv(
            bind="x:1", workers=1, data_dir=tmp_path, extra=extra, environ=environ
        )
        assert argv.count("--logger-class") + argv.count("--logger-class=mine.Logger") <= 1
        assert serving.ACCESS_LOGGER not in argv


def _wait(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except httpx.TransportError:
            assert server.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
            time.sleep(0.2)


@pytest.mark.long
@pytest.mark.sqlite_only  # it runs its own SQLite install whatever the suite's database
def test_two_web_servers_each_have_their_own_control_socket():
    # A short data directory of its own: pytest's tmp_path under a parallel worker
    # (.../popen-gw1/test_two_web_servers_each_have0/) makes the socket's path longer than
    # serving.MAX_SOCKET_PATH, and the product then rightly turns the control socket off.
    tmp_path = Path(tempfile.mkdtemp(prefix="pf-ctl-"))
    try:
        _two_web_servers(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _two_web_servers(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(PAPERFEED_DATA_DIR=str(tmp_path), PYTHONPATH=str(REPO))
    subprocess.run(
        [sys.executable, "-m", "paperfeed", "migrate", "-v0"], env=env, check=True, timeout=120
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "paperfeed",
                "web",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait(port, server)
        expected = sorted(f"gunicorn-127.0.0.1-{port}.ctl" for port in ports)
        # gunicorn's arbiter opens its control socket on its own thread, which on a busy
        # machine (the suite on every core) can come after the first answer: wait for both.
        deadline = time.monotonic() + 30
        while True:
            sockets = sorted(path.name for path in tmp_path.glob("gunicorn-*.ctl"))
            if sockets == expected or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert sockets == expected
        assert all(server.poll() is None for server in servers)  # neither took the other's
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
