"""What an SMTP failure means for the message, and the retry rule for one-off mails: shared by
account mails and digests. No Django: the caller passes the sending and the re-queueing in."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

logger = logging.getLogger(__name__)

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


def send_with_retry(
    send: Callable[[], object],
    *,
    attempt: int,
    what: str,
    retry: Callable[[datetime], object],
) -> str:
    """Send one one-off mail (attempt number ``attempt``); if that fails, either call
    ``retry(run_after)`` to queue the next attempt, or give up. ``what`` names the mail in the
    log. Returns what happened: "sent", "retry", "refused" (5xx) or "gave up"."""
    try:
        send()
    except (smtplib.SMTPException, OSError) as exc:
        delay = retry_delay(exc, attempt)
        if delay is None:
            gave_up = attempt > len(RETRY_MINUTES)
            logger.log(
                logging.ERROR if gave_up else logging.WARNING,
                "%s not sent (attempt %d): %s",
                what,
                attempt,
                exc,
            )
            return "gave up" if gave_up else "refused"
        logger.warning("%s failed (%s); next attempt in %s", what, exc, delay)
        retry(datetime.now(UTC) + delay)
        return "retry"
    return "sent"
