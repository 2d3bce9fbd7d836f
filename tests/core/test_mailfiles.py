"""The development mail backend: one .eml file per mail, one log line naming it."""

from __future__ import annotations

import logging
from email import message_from_bytes, policy

from django.core.mail import EmailMultiAlternatives, get_connection


def test_each_mail_is_one_file_named_in_the_log(tmp_path, caplog):
    backend = get_connection("paperfeed.core.mailfiles.EmailBackend", file_path=str(tmp_path))
    messages = [
        EmailMultiAlternatives(subject=f"Bienvenue n°{n}", body="Café ☕", to=[f"u{n}@example.org"])
        for n in range(2)
    ]
    with caplog.at_level(logging.INFO, logger="paperfeed.core.mailfiles"):
        assert backend.send_messages(messages) == 2
    files = sorted(tmp_path.iterdir())
    assert [path.suffix for path in files] == [".eml", ".eml"]
    assert len(caplog.records) == 2
    for path in files:
        assert sum(str(path) in record.getMessage() for record in caplog.records) == 1
    parsed = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]
    assert sorted(m["To"] for m in parsed) == ["u0@example.org", "u1@example.org"]
    assert {m.get_body().get_content().strip() for m in parsed} == {"Café ☕"}


def test_the_data_dir_is_the_default_folder(settings, tmp_path):
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    backend = get_connection("paperfeed.core.mailfiles.EmailBackend")
    backend.send_messages([EmailMultiAlternatives(subject="s", body="b", to=["a@example.org"])])
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
