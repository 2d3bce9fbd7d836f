"""Helpers shared by the benchmarks: locating ../shared, isolated data dirs, timing, tables."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from paperfeed.core import serving

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DAILY_ARCHIVE = SHARED / "data/arxiv_daily_cs/daily_jsonl_2025-03-18_to_2026-07-01.tar.xz"
SNAPSHOT_SAMPLE = SHARED / "data/kaggle_snapshot_sample/arxiv-metadata-oai-snapshot.sample.jsonl"
BENCH_VAR = REPO / "var" / "bench"


def require_shared() -> None:
    if not DAILY_ARCHIVE.exists():
        sys.exit(f"bench needs the real corpus at {DAILY_ARCHIVE} (../shared); it is absent")


def bytecode_warning() -> str:
    """A warning when the venv's Django has no compiled bytecode, else "".

    Every ``paperfeed`` child a benchmark starts would then compile Django and its
    dependencies from source wherever PYTHONDONTWRITEBYTECODE is set: 0.8 s more start-up a
    command (``make install`` compiles them; docs/performance.md, "Bytecode").
    """
    import importlib.util

    import django.db.models.base as probe

    if Path(importlib.util.cache_from_source(probe.__file__)).exists():
        return ""
    return (
        "WARNING: the venv has no bytecode (run `make install`): each paperfeed command "
        "compiles Django from source, ~0.8 s more start-up"
    )


@contextmanager
def timed():
    result = {}
    start = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - start


def paperfeed(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    """Run the paperfeed CLI in a child process with its own environment."""
    command = [str(REPO / ".venv/bin/paperfeed"), *args]
    return subprocess.run(
        command, env={**os.environ, **env}, check=check, capture_output=True, text=True
    )


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)


def export_commit(commit: str) -> Path:
    """``paperfeed/`` of ``commit`` exported to var/bench/code/<commit>, importable ahead of
    the editable install: put the returned folder first on PYTHONPATH."""
    target = BENCH_VAR / "code" / commit
    if not (target / "paperfeed").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit, "paperfeed"], cwd=REPO, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    # The editable install answers `import paperfeed` from a meta-path finder that runs before
    # PYTHONPATH is searched; this sitecustomize (imported at start-up from PYTHONPATH) drops it.
    (target / "sitecustomize.py").write_text(
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path\n"
        "                    if '__editable__' not in getattr(f, '__module__', '')]\n"
    )
    return target


def code_dir() -> Path:
    """Where child processes start: the exported commit being measured (see bench.__main__),
    else the repository. Starting there makes `python -m` and gunicorn, which put the current
    directory first on sys.path, import that copy of paperfeed."""
    return Path(os.environ.get("BENCH_CODE_DIR", REPO))


def access_logger_flags(command: list[str]) -> list[str]:
    """`paperfeed web`'s access logger (core/serving.py: logger_class_args) for a server started
    as gunicorn itself with an access log and no logger class of its own, when the checkout it
    runs has it: a start commit from before S87 (BENCH_CODE_DIR) keeps gunicorn's stock logger,
    as its `paperfeed web` did."""
    module = serving.ACCESS_LOGGER.rpartition(".")[0]
    if "--access-logfile" not in command:
        return []
    if not (code_dir() / (module.replace(".", "/") + ".py")).is_file():
        return []
    return serving.logger_class_args(extra=command, environ=os.environ)


# 50 searches a reader of cs papers might type: topics, phrases, an author, filters, sorting.
SEARCH_QUERIES = [
    "diffusion models",
    "large language models",
    "reinforcement learning from human feedback",
    "graph neural networks",
    "speech recognition",
    "vision transformer",
    "retrieval augmented generation",
    "mixture of experts",
    "chain of thought reasoning",
    "federated learning privacy",
    "text to image",
    "video generation",
    "robot manipulation",
    "autonomous driving",
    "knowledge distillation",
    "contrastive learning",
    "object detection",
    "semantic segmentation",
    "in-context learning",
    "instruction tuning",
    "quantization",
    "sparse attention",
    "state space models",
    "multimodal benchmark",
    "hallucination",
    "code generation",
    "mathematical reasoning",
    "protein structure",
    "time series forecasting",
    "anomaly detection",
    "recommendation systems",
    "neural radiance fields",
    "gaussian splatting",
    "point cloud",
    "adversarial robustness",
    "machine translation",
    "low resource languages",
    "tokenizer",
    "agents tool use",
    "world model",
    "preference optimization",
    "reward model",
    "long context",
    "speculative decoding",
    "scaling laws",
    '"language model" evaluation',
    "author:wang transformer",
    "cat:cs.CL summarization",
    "optimization convergence",
    "graph",
]
