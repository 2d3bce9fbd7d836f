"""Which SMTP failures are worth retrying (paperfeed.core.mail), for account mails and digests."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest

from paperfeed.core import mail


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"mailbox busy")}), False),
        (smtplib.SMTPDataError(554, b"rejected"), True),
        (smtplib.SMTPSenderRefused(451, b"try later", "from@example.org"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
    ],
)
def test_which_failures_are_worth_retrying(error, permanent):
    assert mail.is_permanent(error) is permanent


def test_retry_delay_backs_off_then_gives_up() -> None:
    outage = ConnectionRefusedError("mail server down")
    delays = [mail.retry_delay(outage, attempt) for attempt in range(1, 7)]
    assert delays[:5] == [timedelta(minutes=m) for m in mail.RETRY_MINUTES]
    assert delays[5] is None
    refused = smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")})
    assert mail.retry_delay(refused, 1) is None
    busy = smtplib.SMTPRecipientsRefused({"a@example.org": (451, b"try later")})
    assert mail.retry_delay(busy, 1) == timedelta(minutes=1)
