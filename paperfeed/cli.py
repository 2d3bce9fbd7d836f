"""The ``paperfeed`` console command: every Django management command, under one name."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dotenv import load_dotenv


def main(argv: list[str] | None = None) -> None:
    # `.env` in the current directory (the project root for `make run`): the CLI, the server
    # and the worker read the same settings. Variables already in the environment win.
    load_dotenv(Path.cwd() / ".env", override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "paperfeed"
    if len(args) == 1 or args[1] in {"-h", "--help"}:
        args = [args[0], "help"]
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
