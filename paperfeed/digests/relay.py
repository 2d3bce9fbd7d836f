"""The SMTP relay as one send run sees it: one reused connection, and telling a relay fault
from a bounce.

A permanent refusal (5xx) says something about the recipient only when the same relay accepts
other recipients in the same run. A relay that refuses everyone (``554 Relay access denied``,
a lapsed account, a blocked sender) is at fault itself, and its refusals must not mark the list
as bouncing. So refusals are held until the run shows which case it is:

- a message accepted after them: each held recipient refusal is a bounce of that address (a
  refusal of the sender or of the content is not, and is only retried later);
- ``REFUSALS_IN_A_ROW`` refusals with no acceptance between them, or a run that ends with
  refusals and no acceptance at all: the relay is at fault, and the run pauses.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.core.mail import get_connection

logger = logging.getLogger(__name__)

# Five different recipients refused one after another, with nothing accepted between them,
# is far more likely a relay that refuses everything than five dead addresses in a row.
REFUSALS_IN_A_ROW = 5

# Outbox rows put back because of the relay carry this at the start of last_error, so the
# operator's views (`/healthz`, `paperfeed digest status`) can tell a paused run.
RELAY_FAULT = "relay: "

Item = TypeVar("Item")


@dataclass
class Refusal(Generic[Item]):
    item: Item
    error: str
    # The server refused this recipient (RCPT TO), as opposed to the sender or the content.
    of_recipient: bool


def is_recipient_refusal(exc: smtplib.SMTPException) -> bool:
    return isinstance(exc, smtplib.SMTPRecipientsRefused)


@dataclass
class RunVerdicts(Generic[Item]):
    """The refusals of one run that are not judged yet, and what the run has seen so far."""

    accepted: int = 0
    held: list[Refusal[Item]] = field(default_factory=list)

    def accept(self) -> list[Refusal[Item]]:
        """A message was accepted: the held refusals were about their own messages."""
        self.accepted += 1
        judged, self.held = self.held, []
        return judged

    def refuse(self, item: Item, error: str, *, of_recipient: bool) -> bool:
        """Hold a permanent refusal; True when the relay now looks at fault."""
        self.held.append(Refusal(item, error, of_recipient))
        return len(self.held) >= REFUSALS_IN_A_ROW

    def relay_at_fault_at_end(self) -> bool:
        """At the end of the run: refusals and no acceptance at all mean the relay."""
        return bool(self.held) and self.accepted == 0

    def release(self) -> list[Refusal[Item]]:
        held, self.held = self.held, []
        return held


class Connection:
    """One SMTP connection reused for many messages, reopened with backoff when it drops."""

    def __init__(self, *, retries: int, pause: float) -> None:
        self.backend = get_connection(fail_silently=False)
        self.retries = retries
        self.pause = pause
        self.is_open = False

    def open(self) -> bool:
        for attempt in range(self.retries):
            try:
                self.backend.open()
                self.is_open = True
                return True
            except (smtplib.SMTPException, OSError) as exc:
                logger.warning("SMTP server unreachable (attempt %d): %s", attempt + 1, exc)
                self.drop()
                if attempt + 1 < self.retries:
                    time.sleep(self.pause * 2**attempt)
        return False

    def drop(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.backend.close()
        self.backend.connection = None
        self.is_open = False
