"""Which SMTP failures are worth retrying (paperfeed.core.mail), for account mails and digests."""

from __future__ import annotations

import smtplib

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
