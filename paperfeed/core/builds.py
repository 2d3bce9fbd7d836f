"""Derived data on disk (the neighbour index, the recommendation model): one directory per build
under a base directory, made live by an atomic swap of a ``CURRENT`` pointer file.

Readers memory-map the arrays of the build ``CURRENT`` names. A writer fills a hidden temporary
directory, renames it into place, then replaces ``CURRENT``, so a reader sees the old build or
the new one, never half of one; older builds are removed, and readers that still map them keep
their open files (POSIX semantics). Pure file handling: no Django.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

CURRENT = "CURRENT"


def current_name(base: Path) -> str | None:
    """The live build's directory name under ``base``, or None when none was made yet."""
    try:
        return (base / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


def build_read(
    base: Path, *, name: str | None, format: int, arrays: Sequence[str]
) -> tuple[Path, dict[str, Any], dict[str, np.ndarray]] | None:
    """The build ``name`` (default: the live one): its directory, its meta and its ``arrays``
    memory-mapped; None when there is none, or it is of another format or incomplete."""
    name = name or current_name(base)
    if not name:
        return None
    # Here, not at the top: numpy (15 MB resident) comes into a web worker only once a build
    # is read, never for the pages that read none (docs/performance.md, worker memory).
    import numpy as np

    root = base / name
    try:
        meta = json.loads((root / "meta.json").read_text())
        if meta.get("format") != format:
            return None
        return (
            root,
            meta,
            {array: np.load(root / f"{array}.npy", mmap_mode="r") for array in arrays},
        )
    except (FileNotFoundError, ValueError, KeyError):
        return None


def build_start(base: Path) -> tuple[str, Path]:
    """A new build's name and the hidden directory to fill before :func:`build_publish`."""
    base.mkdir(parents=True, exist_ok=True)
    name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = base / f".{name}.tmp"
    tmp.mkdir()
    return name, tmp


def build_publish(
    base: Path, *, name: str, tmp: Path, meta: Mapping[str, Any], format: int
) -> Path:
    """Write the meta, move the filled build into place, make it the live one and remove the
    builds before it."""
    (tmp / "meta.json").write_text(json.dumps({**meta, "format": format}, indent=1))
    root = base / name
    os.replace(tmp, root)
    pointer = base / f".{CURRENT}.{os.getpid()}"
    pointer.write_text(name)
    os.replace(pointer, base / CURRENT)
    for old in base.iterdir():
        if old.is_dir() and old.name != name and old.name.startswith(("build-", ".build-")):
            shutil.rmtree(old, ignore_errors=True)
    return root
