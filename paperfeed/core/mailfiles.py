"""The mail backend for a site with no mail server configured: each mail becomes one ``.eml``
file under ``<data dir>/mail/``, and one log line names it, so `make run` shows its mails
(open the file in any mail reader) instead of waiting on an SMTP server that is not there."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class EmailBackend(BaseEmailBackend):
    def __init__(self, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        written = 0
        for message in email_messages:
            data = message.message().as_bytes()
            name = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.eml"
            path = self.directory / name
            # Written aside and renamed: whoever watches the folder never reads half a mail.
            partial = self.directory / f".{name}.tmp"
            partial.write_bytes(data)
            os.replace(partial, path)
            logger.info("mail to %s written to %s", ", ".join(message.recipients()), path)
            written += 1
        return written
