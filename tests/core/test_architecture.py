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


# Test modules that are not named after one module, each for a reason: they drive an entry point
# through several layers, or they check the repository as a whole. Everything else under
# tests/<app>/ is named test_<module>.py after the module it tests.
END_TO_END = {
    # Pages through the test client: view, selector, service and template together.
    "views",
    # Management commands run with call_command (paperfeed/<app>/management/commands/).
    "commands",
    # Acceptance over a live server or a separate process: real HTTP clients, kill -9.
    "flows",
    # Several hosts (web, worker) on one PostgreSQL and Redis, killed under load.
    "hosts",
    # A real full disk: web and worker on a throwaway PostgreSQL whose tmpfs is filled, then grown.
    "diskfull",
    # Pages and emails rendered in a real browser.
    "browser",
    # Imports and reads over the real data in ../shared.
    "real_data",
    # One read (the featured list) compared across page, API, feeds and digest.
    "surfaces",
    # Every API route against the API's own OpenAPI document, property-based.
    "schemathesis",
    # A fresh interpreter serving every kind of page imports neither numpy nor scipy.
    "worker_imports",
    # Repository-wide contracts: this map, the import floors, the documented settings.
    "architecture",
    "layers",
    "configuration",
}


def unmirrored_test_modules() -> list[str]:
    """Test modules under tests/<app>/ with neither a module they mirror nor an allowed name."""
    found = []
    for app in sorted(p.name for p in (REPO / "paperfeed").iterdir() if (p / "apps.py").exists()):
        for path in sorted((REPO / "tests" / app).rglob("test_*.py")):
            name = path.stem.removeprefix("test_")
            package = REPO / "paperfeed" / app / path.parent.relative_to(REPO / "tests" / app)
            mirrored = (package / f"{name}.py").exists() or (package / name).is_dir()
            # An end-to-end module too long for one file is split by topic: test_views_curation.py.
            end_to_end = any(name == e or name.startswith(f"{e}_") for e in END_TO_END)
            if not mirrored and not end_to_end:
                found.append(path.relative_to(REPO).as_posix())
    return found


def test_every_test_module_mirrors_a_module_or_is_end_to_end():
    stray = unmirrored_test_modules()
    assert not stray, (
        f"rename or split these after the module they test, tests/<app>/test_<module>.py "
        f"(or add a justified end-to-end name to END_TO_END): {stray}"
    )


# The guide's bound on a module's length, for the package, its benchmarks and its tests alike.
MAX_LINES = 400


def test_no_module_passes_the_line_bound():
    long = {
        path.relative_to(REPO).as_posix(): count
        for folder in ("paperfeed", "bench", "tests")
        for path in (REPO / folder).rglob("*.py")
        if "/migrations/" not in path.as_posix()
        and (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these by meaning (at most {MAX_LINES} lines each): {long}"
