"""The ``paperfeed`` console command: every Django management command, under one name."""

from __future__ import annotations

import ast
import gc
import importlib.util
import os
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

from dotenv import load_dotenv


def _first_sentence(text: str) -> str:
    line = " ".join(text.split())
    end = line.find(". ")
    return line if end < 0 else line[: end + 1]


def _fit(line: str, width: int = 100) -> str:
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def _command_help(app: str, name: str) -> str:
    """A command's ``help``, read from its module's source rather than by importing it.

    Importing every command to list them would import what they all use (numpy and scipy for
    recs, httpx for stars, tqdm, email_validator…): about a second of a bare ``paperfeed``.
    A help that is not a plain string in the source falls back to the import.
    """
    module = f"{app}.management.commands.{name}"
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == "Command":
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and [getattr(target, "id", None) for target in statement.targets]
                        == ["help"]
                        and isinstance(statement.value, ast.Constant)
                        and isinstance(statement.value.value, str)
                    ):
                        return statement.value.value
    from django.core.management import load_command_class

    return str(load_command_class(app, name).help)


def main_help() -> str:
    """paperfeed's own commands first, one line each; then Django's, by app, as names."""
    from django.core.management import get_commands

    own: list[tuple[str, str]] = []
    others: dict[str, list[str]] = defaultdict(list)
    for name, app in sorted(get_commands().items()):
        if app.startswith("paperfeed."):
            own.append((name, _first_sentence(_command_help(app, name))))
        else:
            others["django" if app == "django.core" else app.rpartition(".")[2]].append(name)
    width = max(len(name) for name, _ in own) + 2
    lines = [
        "Usage: paperfeed <command> [options]   (paperfeed help <command> for its options)",
        "",
        "paperfeed commands:",
        *(_fit(f"  {name:<{width}}{text}") for name, text in own),
        "",
        "Django commands:",
        *(
            textwrap.fill(
                ", ".join(names), 100, initial_indent=f"  [{app}] ", subsequent_indent="    "
            )
            for app, names in sorted(others.items())
        ),
        "",
        "Settings come from the environment and from .env in the current directory "
        "(docs/configuration.md).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    # `.env` in the current directory (the project root for `make run`): the CLI, the server
    # and the worker read the same settings. Variables already in the environment win.
    load_dotenv(Path.cwd() / ".env", override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "paperfeed"
    if len(args) == 1 or args[1:] in (["-h"], ["--help"], ["help"]):
        import django

        django.setup()
        sys.stdout.write(main_help() + "\n")
        return
    execute_from_command_line(args)
    _before_exit()


def _before_exit() -> None:
    """The command is done and the process ends (``main`` is the console entry point, never
    called twice in a process): its database connections closed, as they would be while the
    interpreter tears the modules down, then every object frozen out of the cyclic collector.

    Python's shutdown collects once over all the objects still alive, and again as it clears
    the modules: after a 40 k-record import 0.11-0.13 s of the process's ~5 s of wall, with
    nothing left to free that the operating system does not take back at exit
    (docs/performance.md, S88). Frozen, they are released by reference counting alone.
    """
    from django.db import connections

    connections.close_all()
    gc.freeze()


if __name__ == "__main__":
    main()
