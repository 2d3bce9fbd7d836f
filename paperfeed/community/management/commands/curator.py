from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.accounts.roles import curator_grant, curators_group
from paperfeed.core.commands import checks_without_urls


class Command(BaseCommand):
    help = "`curator add USERNAME` puts a member in the curators group (created if missing)."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="make a member a curator")
        add.add_argument("username")
        sub.add_parser("setup", help="create or complete the curators group only")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "setup":
            group = curators_group()
            self.stdout.write(f"group {group.name}: {group.permissions.count()} permissions")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no member is called {options['username']}")
        curator_grant(user=user)
        self.stdout.write(f"{user.username} is a curator")
