from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.accounts.services import token_create, user_create
from paperfeed.core.commands import checks_without_urls


class Command(BaseCommand):
    help = "API tokens: `token create USERNAME` creates the user if needed and prints a token."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token (and the user, if new)")
        create.add_argument("username")
        create.add_argument("--name", default="command line", help="a label for the token")
        create.add_argument("--email", default="", help="email for a new user")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username or len(username) > 150:
            raise CommandError("give a username of 1 to 150 characters")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, email=options["email"])
            self.stderr.write(f"created user {username}")
        self.stdout.write(token_create(user=user, name=options["name"]))
