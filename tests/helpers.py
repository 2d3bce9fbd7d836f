"""Small helpers several test packages share (fixtures live in conftest.py)."""

from __future__ import annotations

import importlib
import os
import socket
from types import ModuleType


def counted_calls(monkeypatch, owner: object, name: str) -> list[int]:  # type: ignore[no-untyped-def]
    """``owner.name`` replaced by a wrapper that counts its calls (the list's one item)."""
    count = [0]
    inner = getattr(owner, name)

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        count[0] += 1
        return inner(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return count


def free_port() -> int:
    """A loopback TCP port nothing listens on (connecting to it is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def queued_tasks(task_name: str):  # type: ignore[no-untyped-def]
    """The django-tasks-db rows of one task, by the task function's name."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith=task_name)


def delivered_after_an_outage(*, tasks, run_tasks, smtp_server, settings, working_port, to):  # type: ignore[no-untyped-def]
    """Drive one queued mail through a mail-server outage (the caller has pointed EMAIL_PORT at
    a dead port and queued the mail): the worker sends nothing and queues the next attempt a
    minute later; once the server is back and that attempt is due, the mail arrives. Returns it.
    """
    from datetime import timedelta

    from django.utils import timezone

    run_tasks()  # connection refused: the worker queues the next attempt a minute later
    assert smtp_server.messages == []
    first, retry = tasks.order_by("enqueued_at")
    assert first.return_value == "retry"
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now() + timedelta(seconds=50)

    run_tasks()  # not due yet
    assert smtp_server.messages == []

    settings.EMAIL_PORT = working_port
    tasks.filter(pk=retry.pk).update(run_after=timezone.now())
    run_tasks()
    [mail] = smtp_server.to(to)
    return mail


def pdf_document(*, width: int = 612, height: int = 792, trailer: bytes = b"") -> bytes:
    """A one-page PDF written by hand: a black box in the top left quarter of a white page.
    ``trailer`` adds entries to the trailer (``/Encrypt ...``)."""
    box = f"0 0 0 rg 0 {height // 2} {width // 2} {height // 2} re f".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R >>" % (width, height),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(box), box),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


# A standard security handler whose user password is not empty: PDFium asks for a password.
ENCRYPTED_TRAILER = (
    b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <"
    + b"11" * 32
    + b"> /U <"
    + b"22" * 32
    + b"> /P -4 >> /ID [<"
    + b"33" * 16
    + b"> <"
    + b"33" * 16
    + b">] "
)


def webp_image(width: int = 320, height: int = 414) -> bytes:
    """A small WebP, as a thumbnail file."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="WEBP")
    return buffer.getvalue()


def fresh_page_caches(settings, *, page_seconds: int, card_seconds: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Empty the page and card caches and set their lifetimes for one test (counts never
    cached, so a test's writes always show in totals)."""
    from django.core.cache import cache, caches

    settings.PAPERFEED_PAGE_CACHE_SECONDS = page_seconds
    settings.PAPERFEED_COUNT_CACHE_SECONDS = 0
    if card_seconds is not None:
        settings.PAPERFEED_CARD_CACHE_SECONDS = card_seconds
    cache.clear()
    caches["cards"].clear()


def signed_in(user):  # type: ignore[no-untyped-def]
    """A test client with ``user`` signed in."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def alone_and_filled(settings, client, path: str, *, build_first: bool = True) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A member's page twice: built for them alone (page cache off), then filled from the kept
    shared body. With ``build_first`` the reader's own request keeps that body first; without
    it the caller has had another reader's request keep it."""
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    alone = client.get(path).content.decode()
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 60
    if build_first:
        client.get(path)
    filled = client.get(path).content.decode()
    return alone, filled


def served_wsgi_module() -> ModuleType:
    """paperfeed/wsgi.py, imported without leaving its web-worker defaults (a kept SQLite
    connection) in this process's environment: the suite's subprocesses (a worker facing a
    read-only database file) inherit that environment and must run as deployed."""
    saved = dict(os.environ)
    try:
        return importlib.import_module("paperfeed.wsgi")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def prepared_statements(like: str) -> int:
    """How many statements this PostgreSQL connection has prepared whose text matches the
    ``LIKE`` pattern ``like`` (core/compiled.py prepares the hot ones per connection)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s", [like]
        )
        return int(cursor.fetchone()[0])
