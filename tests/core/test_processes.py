"""The production processes start from a venv that is not activated."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port


@pytest.mark.long
def test_paperfeed_web_serves_with_gunicorn_without_an_activated_venv(tmp_path: Path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "DATABASE_URL"}
    }
    env.update(
        PATH="/usr/bin:/bin",
        PAPERFEED_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/web.sqlite3",
    )
    subprocess.run(
        [sys.executable, "-m", "paperfeed", "migrate", "-v0"], env=env, check=True, timeout=120
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "paperfeed", "web", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # 60 s as tests/core/test_serving.py: at load ~12, with the long tests started together
        # (tests/conftest.py), this start once took more than 30 s.
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.2)
        assert response.status_code == 200
        # The web workers' smaller SQLite page cache (an operator's value would win).
        environ = Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
        assert b"PAPERFEED_SQLITE_CACHE_MB=4" in environ
        health = response.json()
        assert health["database"] == {
            "ok": True,
            "readable": True,
            "writable": True,
            "fault": None,
        }
        # No worker runs beside this web server, and /healthz says so.
        assert health["status"] == "degraded" and health["worker"]["alive"] == 0
    finally:
        server.terminate()
        server.wait(timeout=20)
