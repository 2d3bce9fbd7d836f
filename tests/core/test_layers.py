"""The floors contract (.importlinter): kept by the package, and able to catch an upward import."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / ".importlinter"
SECTION = "importlinter:contract:floors"


def lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("lint-imports")
    executable = str(command) if command.exists() else shutil.which("lint-imports")
    assert executable, "lint-imports is not installed: pip install -e '.[dev]'"
    return subprocess.run(
        [executable, str(config), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_package_keeps_the_floors_contract():
    result = lint_imports(CONTRACT, REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def floor_names() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(CONTRACT)
    names = []
    for line in parser[SECTION]["layers"].strip().splitlines():
        names += [name.strip() for name in line.replace("|", ":").split(":")]
    return names


def throwaway_package(root: Path, imports: dict[str, str]) -> Path:
    """A package ``floors`` with the real floors and ``imports`` (module -> source), and the
    real contract pointed at it (minus the ignores, which name modules of the real package)."""
    package = root / "floors"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in floor_names():
        if (REPO / "paperfeed" / name).is_dir():
            (package / name).mkdir()
            (package / name / "__init__.py").write_text("")
        else:
            (package / f"{name}.py").write_text("")
    for module, source in imports.items():
        path = package.joinpath(*module.split(".")).with_suffix(".py")
        path.write_text(source)

    parser = configparser.ConfigParser()
    parser.read(CONTRACT)
    parser["importlinter"]["root_package"] = "floors"
    parser[SECTION]["containers"] = "floors"
    parser.remove_option(SECTION, "ignore_imports")
    config = root / "contract.ini"
    with config.open("w") as handle:
        parser.write(handle)
    return config


def test_the_contract_allows_imports_down_the_floors(tmp_path):
    config = throwaway_package(
        tmp_path,
        {
            "digests.tasks": "from floors.trending import selectors\n",
            "trending.selectors": "from floors.papers import models\n",
            "papers.models": "from floors.core import models\n",
            "core.models": "",
        },
    )
    result = lint_imports(config, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("modules", "broken"),
    [
        # An upward import inside a function, as scheduler.py once did with import_string.
        (
            {
                "core.scheduler": "def jobs():\n    from floors.ingest import tasks\n",
                "ingest.tasks": "",
            },
            "floors.core is not allowed to import floors.ingest",
        ),
        (
            {"accounts.views": "import floors.community.selectors\n", "community.selectors": ""},
            "floors.accounts is not allowed to import floors.community",
        ),
        # digests and api share the top floor but must not import each other.
        (
            {"digests.views": "from floors.api import shapes\n", "api.shapes": ""},
            "floors.digests is not allowed to import floors.api",
        ),
    ],
)
def test_the_contract_catches_an_upward_import(tmp_path, modules, broken):
    config = throwaway_package(tmp_path, modules)
    result = lint_imports(config, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 1 broken" in result.stdout
    assert broken in result.stdout
