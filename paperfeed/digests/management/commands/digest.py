"""`paperfeed digest send --period daily|weekly [--dry-run] [--to ADDRESS]`."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from paperfeed.core.commands import checks_without_urls
from paperfeed.digests import addresses, outbox, selectors
from paperfeed.digests.models import Delivery, Subscriber


class Command(BaseCommand):
    help = (
        "Send email digests now, or show the outbox. `send` mails the current period's digest "
        "to every confirmed subscriber of that frequency (whatever their send time), then "
        "anything else due. Safe to rerun after a crash."
    )
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="queue and send digests")
        send.add_argument("--period", choices=["daily", "weekly"], required=True)
        send.add_argument("--dry-run", action="store_true", help="render, change nothing")
        send.add_argument("--to", metavar="ADDRESS", help="only this subscriber")
        send.add_argument("--no-progress", action="store_true")
        sub.add_parser("status", help="outbox rows by state")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "status":
            for state, count in selectors.delivery_counts().items():
                self.stdout.write(f"{state:8} {count}")
            return
        subscriber_ids = None
        if options["to"]:
            try:
                address = addresses.normalize_address(options["to"])
            except addresses.InputError as exc:
                raise CommandError(str(exc)) from exc
            subscriber_ids = list(
                Subscriber.objects.filter(email__iexact=address).values_list("pk", flat=True)
            )
            if not subscriber_ids:
                raise CommandError(f"no subscriber {address}")
        if options["dry_run"]:
            self._dry_run(options["period"], subscriber_ids)
            return
        queued = outbox.deliveries_enqueue(
            frequency=options["period"], force=True, email=options["to"]
        )
        rows = Delivery.objects.exclude(state__in=[Delivery.State.SENT, Delivery.State.SKIPPED])
        if subscriber_ids is not None:
            rows = rows.filter(subscriber_id__in=subscriber_ids)
        bar = tqdm(
            total=rows.count(),
            unit="mail",
            file=sys.stderr,
            disable=options["no_progress"] or None,
        )
        try:
            report = outbox.deliveries_send(subscriber_ids=subscriber_ids, progress=bar.update)
        finally:
            bar.close()
        self.stdout.write(
            f"queued {queued}; sent {report.sent}, skipped {report.skipped} (nothing new), "
            f"failed {report.failed}, to retry {report.retry_later}"
        )
        if report.smtp_unreachable:
            raise CommandError("the SMTP server is unreachable; the rest is queued for retry")
        if report.relay_paused:
            raise CommandError(
                "the SMTP relay refused every recipient (see the log); nobody is counted as "
                "bouncing, and the digests are queued for retry"
            )

    def _dry_run(self, period: str, subscriber_ids: list[int] | None) -> None:
        # Queue inside a transaction that is rolled back: a dry run leaves no trace.
        with transaction.atomic():
            queued = outbox.deliveries_enqueue(frequency=period, force=True)
            report = outbox.deliveries_send(subscriber_ids=subscriber_ids, dry_run=True)
            transaction.set_rollback(True)
        self.stdout.write(
            f"dry run: {queued} would be queued; {report.sent} would be sent, "
            f"{report.skipped} skipped (nothing new)"
        )
        if report.dry_run_preview:
            self.stdout.write("--- first message ---")
            self.stdout.write(report.dry_run_preview[:20000])
