"""Small helpers several test packages share (fixtures live in conftest.py)."""

from __future__ import annotations

import socket


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
