"""docs/architecture.md names every module of the package, so the map stays true."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def modules() -> set[str]:
    found = set()
    for path in (REPO / "paperfeed").rglob("*.py"):
        relative = path.relative_to(REPO).as_posix()
        if "/migrations/" in relative or path.name == "__init__.py":
            continue
        found.add(relative)
    return found


def test_every_module_is_in_the_architecture_map():
    text = (REPO / "docs/architecture.md").read_text()
    missing = sorted(m for m in modules() if m.removeprefix("paperfeed/") not in text)
    assert not missing, f"describe these in docs/architecture.md: {missing}"


def test_the_map_names_no_module_that_is_gone():
    text = (REPO / "docs/architecture.md").read_text()
    listed = {
        line.split("`")[1]
        for line in text.splitlines()
        if line.startswith("| `") and line.split("`")[1].endswith(".py")
    }
    gone = sorted(m for m in listed if not (REPO / "paperfeed" / m).exists())
    assert not gone, f"docs/architecture.md lists modules that no longer exist: {gone}"
