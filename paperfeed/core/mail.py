"""What an SMTP failure means for the message: shared by account mails and digests. Pure."""

from __future__ import annotations

import smtplib
from datetime import timedelta

# When a one-off mail (account links, digest confirmations) is tried again after a passing
# failure: within minutes for a blip, and still within the day for an outage of a few hours,
# well inside the links' own lifetimes.
RETRY_MINUTES = (1, 5, 30, 120, 360)


def smtp_verdict(exc: smtplib.SMTPException) -> tuple[bool, str] | None:
    """(permanent?, message) for an error about this one message; None for connection trouble."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (550, b"refused"))
        return 500 <= code < 600, f"{code} {text!r}"
    if isinstance(exc, smtplib.SMTPResponseException) and not isinstance(
        exc, smtplib.SMTPServerDisconnected
    ):
        if exc.smtp_code in (421, -1):  # the server is going away: a connection problem
            return None
        return 500 <= exc.smtp_code < 600, f"{exc.smtp_code} {exc.smtp_error!r}"
    return None


def is_permanent(exc: smtplib.SMTPException) -> bool:
    """A refusal the mail server will repeat (5xx), as opposed to an outage worth retrying."""
    verdict = smtp_verdict(exc)
    return verdict is not None and verdict[0]


def retry_delay(exc: smtplib.SMTPException | OSError, attempt: int) -> timedelta | None:
    """How long to wait before trying a one-off mail again after ``exc`` failed attempt number
    ``attempt`` (from 1); None when it is not worth trying again: the server refused this
    message for good (5xx), or RETRY_MINUTES is used up."""
    if isinstance(exc, smtplib.SMTPException) and is_permanent(exc):
        return None
    if attempt > len(RETRY_MINUTES):
        return None
    return timedelta(minutes=RETRY_MINUTES[attempt - 1])
