"""Keywords and the abstract's summary for many papers at once, over several processes.

Pure: no Django imports. The extractors are pure Python and hold the GIL, so a large build
(the whole catalogue) spreads its papers over one process per core; a small one (an import's
new papers) stays in the calling process.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from paperfeed.papers.glance.contribution import contribution_sentence
from paperfeed.papers.glance.keywords import keywords_extract

# Bump when `keywords_extract` or `contribution_sentence` changes what it gives: every stored
# glance of an older version is computed again by the next build (`paperfeed summaries build`,
# and the worker's build after each import). 1: YAKE; 2: the phrase extractor of keywords.py
# and the summary rule that weighs the title and passes over comment chatter; 3: no generic
# chips, leading evaluative adjectives trimmed, an acronym never beside its expansion; 4: the
# name the abstract gives its contribution ("We propose L2T, …") counts as the title's does,
# a property or part ("generation quality", "model family") ranks below things, no count words.
GLANCE_VERSION = 4
# (paper id, title, abstract) in; (paper id, keywords, summary, text key) out.
Item = tuple[int, str, str]
Glance = tuple[int, list[str], str, str]
# Below this many papers a pool costs more to start than it saves.
POOL_FROM = 400
_CHUNK = 50


def text_key(title: str, abstract: str) -> str:
    """Names the text a glance was computed from: a new abstract gets a new key."""
    return hashlib.blake2b(f"{title}\x00{abstract}".encode(), digest_size=16).hexdigest()


def glance_compute(item: Item) -> Glance:
    paper_id, title, abstract = item
    return (
        paper_id,
        keywords_extract(title, abstract),
        contribution_sentence(abstract, title=title),
        text_key(title, abstract),
    )


def _chunk(items: Sequence[Item]) -> list[Glance]:
    return [glance_compute(item) for item in items]


def processes_default() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class GlancePool:
    """A pool of ``processes`` worker processes (spawned, so no parent state such as a
    database connection is shared), or none when one process is asked for."""

    def __init__(self, processes: int) -> None:
        self.processes = max(1, processes)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> GlancePool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def compute(self, items: Sequence[Item]) -> Iterator[Glance]:
        if self.processes == 1 or len(items) < POOL_FROM:
            yield from (glance_compute(item) for item in items)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn")
            )
        parts = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
        for results in self._pool.map(_chunk, parts):
            yield from results
