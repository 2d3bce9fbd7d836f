"""The `paperfeed` command itself: its help, the settings every command reads (.env), and which
system checks each command runs (core/commands.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.conf import settings; "
    "print(settings.SITE_URL, settings.PAPERFEED_CATEGORIES, settings.EMAIL_BACKEND)"
)


def paperfeed(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PAPERFEED_", "EMAIL_")) and key != "DATABASE_URL"
    }
    environ.update(PYTHONPATH=str(REPO), PAPERFEED_DATA_DIR=str(cwd / "var"), **env)
    return subprocess.run(
        [sys.executable, "-m", "paperfeed", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def shown(cwd: Path, **env: str) -> str:
    """The settings SHOW prints, as a command started in ``cwd`` sees them."""
    return paperfeed("shell", "-c", SHOW, cwd=cwd, **env).stdout.strip().splitlines()[-1]


def test_help_lists_paperfeed_commands_first_one_line_each(tmp_path):
    out = paperfeed("--help", cwd=tmp_path).stdout
    own, _, django = out.partition("Django commands:")
    lines = [line.split() for line in own.splitlines() if line.startswith("  ")]
    names = [words[0] for words in lines]
    assert {"run", "web", "worker", "ingest", "backup", "restore", "digest", "stats"} <= set(names)
    assert names == sorted(names) and len(names) == len(set(names))
    assert all(len(words) > 3 for words in lines)  # a name and what it does, on one line
    assert "migrate" in django and "createsuperuser" in django and "migrate" not in own
    assert paperfeed("help", cwd=tmp_path).stdout == out


def test_help_lists_every_paperfeed_command_with_what_its_class_says(tmp_path):
    # The help reads each command's `help` from its source instead of importing every command
    # module (and what they import); it must say what the imported class says.
    from django.core.management import get_commands, load_command_class

    out = paperfeed("--help", cwd=tmp_path).stdout
    own = {name: app for name, app in get_commands().items() if app.startswith("paperfeed.")}
    assert len(own) >= 17
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    for name, app in own.items():
        said = " ".join(str(load_command_class(app, name).help).split())
        shown = lines[name].split(None, 1)[1]
        assert len(shown) > 30 and said.startswith(shown.rstrip("…")), name


def test_dot_env_in_the_current_directory_is_read_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text(
        "# the operator's settings\n"
        "PAPERFEED_SITE_URL=https://papers.example.org\n"
        'PAPERFEED_CATEGORIES="cs.RO math.OC"\n'
    )
    out = shown(tmp_path)
    assert out.startswith("https://papers.example.org ['cs.RO', 'math.OC'] ")
    out = shown(tmp_path, PAPERFEED_CATEGORIES="cs.AI")
    assert out.startswith("https://papers.example.org ['cs.AI'] ")


def test_without_a_mail_server_mails_go_to_files(tmp_path):
    out = shown(tmp_path)
    assert out.split()[-1] == "paperfeed.core.mailfiles.EmailBackend"
    out = shown(tmp_path, EMAIL_HOST="localhost")
    assert out.split()[-1] == "django.core.mail.backends.smtp.EmailBackend"
    (tmp_path / ".env").write_text("EMAIL_HOST=mail.example.org\n")
    out = shown(tmp_path)
    assert out.split()[-1] == "django.core.mail.backends.smtp.EmailBackend"


def _imported(err: str) -> set[str]:
    """The modules a run with PYTHONPROFILEIMPORTTIME=1 imported, from its standard error."""
    return {line.rsplit("|", 1)[1].strip() for line in err.splitlines() if "import time:" in line}


def test_a_command_that_serves_no_page_skips_the_url_check_and_its_imports(tmp_path):
    # Checking the URLs imports every view, the API and ninja (~0.3 s of CPU a start); a command
    # that serves no page gains nothing from it (core/commands.checks_without_urls).
    quiet = paperfeed("search", "status", cwd=tmp_path, PYTHONPROFILEIMPORTTIME="1")
    checked = paperfeed("check", cwd=tmp_path, PYTHONPROFILEIMPORTTIME="1")
    assert "ninja" in _imported(checked.stderr)  # the control: the URL check loads the API
    assert "ninja" not in _imported(quiet.stderr)


def test_the_importer_skips_the_checks_of_what_renders_pages(tmp_path):
    # The admin's dependency check starts the template engines and imports every middleware
    # and context processor (~0.2 s of CPU an import, issue #20); `paperfeed ingest` renders
    # nothing (core/commands.checks_without_pages). The import itself fails here (no such
    # file), after the checks have run.
    with pytest.raises(subprocess.CalledProcessError) as failed:
        paperfeed("ingest", "file", "missing.jsonl", cwd=tmp_path, PYTHONPROFILEIMPORTTIME="1")
    checked = paperfeed("check", cwd=tmp_path, PYTHONPROFILEIMPORTTIME="1")
    assert "missing.jsonl" in failed.value.stderr
    assert "whitenoise.base" in _imported(checked.stderr)  # the control: the admin's check
    assert "whitenoise.base" not in _imported(failed.value.stderr)


def test_only_the_commands_that_serve_pages_check_the_urls():
    from django.core.checks import Tags
    from django.core.management import get_commands, load_command_class

    own = {name: app for name, app in get_commands().items() if app.startswith("paperfeed.")}
    checks = {
        name: load_command_class(app, name).requires_system_checks for name, app in own.items()
    }
    assert {name for name, tags in checks.items() if tags == "__all__"} == {"run", "web"}
    assert all(
        Tags.urls not in tags and Tags.models in tags
        for name, tags in checks.items()
        if tags != "__all__"
    )


def test_members_bodies_get_the_host_file_only_when_the_default_cache_is_per_process(tmp_path):
    show = "from django.conf import settings; print(sorted(settings.CACHES))"
    caches = {
        kind: paperfeed("shell", "-c", show, cwd=tmp_path, **env).stdout.strip().splitlines()[-1]
        for kind, env in {
            "default": {},
            "database": {"PAPERFEED_CACHE": "database"},
            "no file": {"PAPERFEED_BODIES_FILE": ""},
        }.items()
    }
    assert "'bodies'" in caches["default"]
    assert "'bodies'" not in caches["database"] and "'bodies'" not in caches["no file"]


def test_a_command_ends_with_its_connections_closed_then_its_objects_frozen(monkeypatch):
    # Python's shutdown would walk every object still alive with the cyclic collector (0.1 s
    # after an import); the command is done, so they are frozen out of it, the connections
    # closed first as the teardown would have closed them.
    from django.core import management
    from django.db import connections

    from paperfeed import cli

    calls: list[object] = []
    monkeypatch.setattr(management, "execute_from_command_line", lambda args: calls.append(args))
    monkeypatch.setattr(connections, "close_all", lambda: calls.append("close_all"))
    monkeypatch.setattr(cli.gc, "freeze", lambda: calls.append("freeze"))
    cli.main(["anything", "stats", "--json"])
    assert calls == [["paperfeed", "stats", "--json"], "close_all", "freeze"]


def test_after_a_command_its_output_is_whole_and_exit_handlers_run(tmp_path):
    code = (
        "import atexit, gc, sys; "
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
        "sys.stdout.write('x' * 200000 + '\\n')"
    )
    out = paperfeed("shell", "-c", code, cwd=tmp_path).stdout.splitlines()
    assert out[-2:] == ["x" * 200000, "frozen True"]
