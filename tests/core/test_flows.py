"""The operator's first hour, in a real process: `paperfeed run` on every interface, a sign-up
from another machine's point of view, and its mail, written to a file the log names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from paperfeed.core import serving
from tests.helpers import free_port

REPO = Path(__file__).resolve().parents[2]
EVERY = "0.0.0.0"  # noqa: S104 - every interface, the case under test


def test_sign_up_on_a_fresh_install_served_on_every_interface(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PAPERFEED_", "EMAIL_"))
        and key not in {"DATABASE_URL", "ALLOWED_HOSTS", "SECRET_KEY"}
    }
    env.update(PYTHONPATH=str(REPO), PAPERFEED_DATA_DIR=str(tmp_path / "var"), LOG_LEVEL="INFO")
    command = [sys.executable, "-m", "paperfeed"]
    subprocess.run([*command, "migrate", "-v0"], env=env, cwd=tmp_path, check=True, timeout=120)
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "run", "--host", EVERY, "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    # What a browser on another machine would type, sent to this one.
    site = serving.served_url(EVERY, port)
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Host": urlsplit(site).netloc}, timeout=10
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                form = client.get("/accounts/signup")
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert form.status_code == 200  # the machine's own name is an allowed host
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/accounts/signup",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": "ada",
                "email": "ada@example.org",
                "password1": "correct horse battery staple 15",
                "password2": "correct horse battery staple 15",
            },
        )
        assert answer.status_code in (200, 302), answer.text[:2000]
        mail_dir = tmp_path / "var" / "mail"
        while not list(mail_dir.glob("*.eml")):  # the worker thread sends it within seconds
            assert time.monotonic() < deadline + 60, log.read_text()
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    [path] = mail_dir.glob("*.eml")
    mail = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mail["To"] == "ada@example.org"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{site}/accounts/verify/" in body  # the link points at the address served
    text = log.read_text()
    assert f"written to {path}" in text
    assert f"mails are written to {mail_dir}/" in text
