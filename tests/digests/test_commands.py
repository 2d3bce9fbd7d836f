"""`paperfeed subscribers import/export` and `paperfeed digest send --to`."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from paperfeed.digests.models import Subscriber
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, text: str):
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_confirmed_list_then_export_round_trips(tmp_path, smtp_server, capsys, run_tasks):
    path = write_csv(
        tmp_path,
        "email,frequency,categories,keywords\n"
        'ada@example.org,weekly,cs.CL cs.LG,"speech, diffusion"\n'
        "grace@bücher.example.org,,,\n"
        "not-an-address,daily,,\n"
        '"evil@example.org\nBcc: x@example.org",daily,,\n'
        "bad-cat@example.org,daily,<script>,\n",
    )
    call_command("subscribers", "import", path, "--confirmed")
    captured = capsys.readouterr()
    assert "2 created, 0 updated, 3 refused" in captured.out
    assert "line 4" in captured.err and "line 5" in captured.err
    ada = Subscriber.objects.get(email="ada@example.org")
    assert (ada.status, ada.frequency) == ("confirmed", "weekly")
    assert ada.categories == ["cs.CL", "cs.LG"] and ada.keywords == ["speech", "diffusion"]
    assert Subscriber.objects.filter(email="grace@xn--bcher-kva.example.org").exists()
    run_tasks()
    assert smtp_server.messages == []  # already opted in: no confirmation mail

    out = tmp_path / "out.csv"
    call_command("subscribers", "export", "--output", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["email"] for r in rows] == ["ada@example.org", "grace@xn--bcher-kva.example.org"]
    assert rows[0]["keywords"] == "speech, diffusion"
    # Importing the export again changes nothing.
    call_command("subscribers", "import", str(out), "--confirmed")
    assert "0 created, 2 updated, 0 refused" in capsys.readouterr().out


def test_import_without_confirmed_asks_each_address(tmp_path, smtp_server, capsys, run_tasks):
    call_command("subscribers", "import", write_csv(tmp_path, "email\nnew@example.org\n"))
    assert Subscriber.objects.get().status == "pending"
    run_tasks()
    assert len(smtp_server.to("new@example.org")) == 1
    with pytest.raises(CommandError):
        call_command("subscribers", "import", write_csv(tmp_path, "name\nx\n"))
    with pytest.raises(CommandError):
        call_command("subscribers", "import", str(tmp_path / "missing.csv"))


def test_send_to_one_address(catalogue, smtp_server, capsys):
    SubscriberFactory(email="one@example.org")
    SubscriberFactory(email="two@example.org")
    call_command("digest", "send", "--period", "daily", "--to", "one@example.org", "--no-progress")
    assert "sent 1" in capsys.readouterr().out
    assert [m["X-Envelope-To"] for m in smtp_server.messages] == ["one@example.org"]
    with pytest.raises(CommandError):
        call_command("digest", "send", "--period", "daily", "--to", "nobody@example.org")


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "paperfeed.core.mailfiles.EmailBackend",
    ],
)
def test_send_to_works_with_every_mail_backend(catalogue, settings, tmp_path, capsys, backend):
    from django.core import mail

    from paperfeed.digests.models import Delivery

    settings.EMAIL_BACKEND = backend
    settings.EMAIL_FILE_PATH = str(tmp_path)
    mail.outbox = []
    SubscriberFactory(email="one@example.org")
    call_command("digest", "send", "--period", "daily", "--to", "one@example.org", "--no-progress")
    out = capsys.readouterr().out
    assert "sent 1" in out
    assert list(Delivery.objects.values_list("state", flat=True)) == ["sent"]
    if backend.endswith("console.EmailBackend"):
        written = out
    elif backend.endswith("locmem.EmailBackend"):
        [message] = mail.outbox
        written = message.message().as_bytes().decode()
    else:
        [path] = tmp_path.iterdir()
        written = path.read_text()
    assert "To: one@example.org" in written
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in written
    assert "\r" not in written  # the text form a person or a file gets has plain line ends


def test_a_backend_that_fails_leaves_no_delivery_sending(catalogue, settings):
    from paperfeed.digests.models import Delivery

    settings.EMAIL_BACKEND = "tests.digests.test_commands.BrokenBackend"
    SubscriberFactory(email="one@example.org")
    with pytest.raises(RuntimeError, match="misconfigured"):
        call_command(
            "digest", "send", "--period", "daily", "--to", "one@example.org", "--no-progress"
        )
    assert list(Delivery.objects.values_list("state", "claimed_by")) == [("pending", "")]


class BrokenBackend:
    """A mail backend that fails with an error no SMTP rule knows."""

    def __init__(self, **kwargs: object) -> None:
        self.connection = None

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def send_messages(self, messages: list) -> int:
        raise RuntimeError("misconfigured backend")
