"""digests/tasks.py: the scheduled send."""

from __future__ import annotations

from datetime import time

import pytest

from paperfeed.digests.tasks import send_due_digests
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_the_scheduled_task_sends_due_digests(catalogue, smtp_server):
    SubscriberFactory(send_time=time(0, 0), timezone="Pacific/Kiritimati")
    SubscriberFactory(status="pending")
    result = send_due_digests.call()
    # Kiritimati (UTC+14) is past midnight whatever the hour; on its weekend nothing is due.
    assert result["sent"] == len(smtp_server.messages) <= 1
