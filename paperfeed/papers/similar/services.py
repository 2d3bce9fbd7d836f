"""Building the neighbour lists: :func:`similar_build` (full or incremental).

A full build reads every paper's title and abstract, learns the engine's space (tf-idf + SVD,
or sentence embeddings), computes each paper's exact top k by the weighted score of
:mod:`.fields` (text, shared authors, shared categories) and stores them in
:class:`SimilarPaper`, replacing all rows. An incremental build places only the papers the
index has not seen in the existing space, gives them their top k, and updates the lists of
older papers that a new paper now enters. Both write the on-disk index (see :mod:`.store`)
that search by meaning reads.

Builds take a file lock, so two workers never build at once; the second waits and then finds
little left to do.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from scipy import sparse

from paperfeed.core.backup import database_label
from paperfeed.papers.models import Paper, PaperAuthor, PaperCategory
from paperfeed.papers.similar import embeddings, fields, neighbours, store, text, tfidf
from paperfeed.papers.similar.models import SimilarPaper

logger = logging.getLogger(__name__)

ENGINES = ("tfidf", "embeddings")
# Past this share of unseen papers an incremental build would place too much text in a space
# learnt without it: build afresh.
MAX_INCREMENTAL_SHARE = 0.2
INSERT_CHUNK = 5000
# Shares of the neighbour score beside the text, chosen on the shared corpus (docs/similar.md,
# bench/similar_variants.py).
FIELD_WEIGHTS = fields.Weights(authors=0.2, categories=0.05)


class SimilarBuildError(RuntimeError):
    """A build could not run (unknown engine, missing model); the message says why."""


@dataclass
class BuildReport:
    engine: str
    full: bool
    papers: int = 0
    indexed: int = 0
    added: int = 0
    lists_written: int = 0
    seconds: float = 0.0
    # Seconds per step (read, fit or encode, neighbours, store), for the operator and benchmarks.
    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = round(time.monotonic() - started, 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "full": self.full,
            "papers": self.papers,
            "indexed": self.indexed,
            "added": self.added,
            "lists_written": self.lists_written,
            "seconds": round(self.seconds, 2),
            "phases": self.phases,
        }


def index_dir() -> Path:
    return Path(settings.DATA_DIR) / "similar"


@contextmanager
def _build_lock() -> Iterator[None]:
    base = index_dir()
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _engine() -> str:
    engine = settings.PAPERFEED_SIMILAR_ENGINE
    if engine not in ENGINES:
        raise SimilarBuildError(
            f"PAPERFEED_SIMILAR_ENGINE={engine!r} is not one of {', '.join(ENGINES)}"
        )
    return engine


def encoder() -> embeddings.Encoder:
    """The configured sentence encoder (raises ModelNotFound with a clear message)."""
    files = embeddings.locate_model(settings.PAPERFEED_SIMILAR_MODEL_DIR)
    return embeddings.Encoder(files, max_tokens=settings.PAPERFEED_SIMILAR_MAX_TOKENS)


def _documents(papers: Sequence[tuple[int, str, str]], engine: str) -> tuple[np.ndarray, list[str]]:
    """Ids and texts of the papers with usable text, in the given order."""
    ids: list[int] = []
    docs: list[str] = []
    for pk, title, abstract in papers:
        doc = text.document(title, abstract, repeat_title=engine == "tfidf")
        if text.is_usable(doc):
            ids.append(pk)
            docs.append(doc)
    return np.array(ids, dtype=np.int64), docs


def _field_tokens(ids: np.ndarray) -> tuple[list[list[str]], list[list[str]]]:
    """Each paper's author tokens (its authors' normalised full names) and categories, in the
    order of ``ids``."""
    position = {int(pk): row for row, pk in enumerate(ids)}
    authors: list[list[str]] = [[] for _ in position]
    categories: list[list[str]] = [[] for _ in position]
    for tokens, rows in (
        (authors, PaperAuthor.objects.values_list("paper_id", "author__key")),
        (categories, PaperCategory.objects.values_list("paper_id", "category")),
    ):
        for paper_id, token in rows.iterator(chunk_size=20_000):
            if (row := position.get(paper_id)) is not None:
                tokens[row].append(token)
    return authors, categories


def _neighbour_space(
    ids: np.ndarray, vectors: np.ndarray
) -> tuple[np.ndarray, sparse.csr_matrix | None]:
    authors, categories = _field_tokens(ids)
    return fields.neighbour_space(vectors, authors, categories, FIELD_WEIGHTS)


def _settings_key(engine: str) -> dict[str, Any]:
    key: dict[str, Any] = {
        "engine": engine,
        "k": settings.PAPERFEED_SIMILAR_K,
        "fields": FIELD_WEIGHTS.as_dict(),
    }
    if engine == "tfidf":
        key["dims"] = settings.PAPERFEED_SIMILAR_DIMS
    else:
        key["model"] = str(embeddings.locate_model(settings.PAPERFEED_SIMILAR_MODEL_DIR).model)
        key["max_tokens"] = settings.PAPERFEED_SIMILAR_MAX_TOKENS
    return key


def similar_build(*, full: bool = False) -> BuildReport:
    """Bring the neighbour lists and the search index up to date with the catalogue.

    Incremental unless ``full`` is set or a full build is due: no index yet, another engine or
    setting, too many unseen papers, or the last full build older than
    PAPERFEED_SIMILAR_FULL_EVERY_DAYS.
    """
    engine = _engine()
    started = time.monotonic()
    try:
        key = _settings_key(engine)
    except embeddings.ModelNotFound as exc:
        raise SimilarBuildError(str(exc)) from exc
    with _build_lock():
        read_started = time.monotonic()
        papers = list(Paper.objects.order_by("id").values_list("id", "title", "abstract"))
        read_seconds = round(time.monotonic() - read_started, 2)
        current = store.open_index(index_dir())
        unseen: list[tuple[int, str, str]] = []
        if current is not None and not full:
            known = set(current.ids.tolist())
            unseen = [p for p in papers if p[0] not in known]
            age_days = (time.time() - float(current.meta.get("full_built_at", 0))) / 86400
            full = (
                current.meta.get("key") != key
                or len(unseen) > MAX_INCREMENTAL_SHARE * max(len(current.ids), 1)
                or age_days > settings.PAPERFEED_SIMILAR_FULL_EVERY_DAYS
            )
        if current is None or full:
            report = _full_build(papers, engine=engine, key=key)
        else:
            report = _incremental_build(current, unseen, engine=engine, key=key)
    report.papers = len(papers)
    report.phases = {"read": read_seconds, **report.phases}
    report.seconds = time.monotonic() - started
    logger.info("similar papers: %s", report.as_dict())
    return report


def _embed(engine: str, docs: list[str]) -> np.ndarray:
    return encoder().encode(docs)


def _full_build(
    papers: Sequence[tuple[int, str, str]], *, engine: str, key: dict[str, Any]
) -> BuildReport:
    k = settings.PAPERFEED_SIMILAR_K
    report = BuildReport(engine=engine, full=True)
    with report.phase("texts"):
        ids, docs = _documents(papers, engine)
    projection: tfidf.Projection | None = None
    with report.phase("vectors"):
        if engine == "tfidf":
            projection, vectors = tfidf.fit(
                docs, tfidf.Params(dims=settings.PAPERFEED_SIMILAR_DIMS)
            )
        else:
            vectors = _embed(engine, docs) if docs else np.zeros((0, 1), np.float32)
    # A text whose every term fell outside the vocabulary has a zero vector: it has no
    # neighbours worth showing, and is nobody's neighbour.
    placed = np.linalg.norm(vectors, axis=1) > 0 if len(vectors) else np.zeros(0, bool)
    ids, vectors = ids[placed], vectors[placed]
    with report.phase("fields"):
        dense, names = _neighbour_space(ids, vectors)
    with report.phase("neighbours"):
        extra = (names, names) if names is not None else None
        nbr, scores = neighbours.top_k(dense, dense, k, self_offset=0, extra=extra)
    with report.phase("store_rows"):
        _replace_rows(ids, ids, nbr, scores, replace_all=True)
    now = time.time()
    with report.phase("store_index"):
        _write_full(ids, vectors, nbr, scores, projection, engine=engine, key=key, now=now)
    report.indexed = report.added = report.lists_written = len(ids)
    return report


def _write_full(
    ids: np.ndarray,
    vectors: np.ndarray,
    nbr: np.ndarray,
    scores: np.ndarray,
    projection: tfidf.Projection | None,
    *,
    engine: str,
    key: dict[str, Any],
    now: float,
) -> None:
    store.write_index(
        index_dir(),
        meta={
            "engine": engine,
            "key": key,
            "database": database_label(),
            "count": len(ids),
            "dims": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
            "full_built_at": now,
            "built_at": now,
            "built": datetime.now(UTC).isoformat(),
        },
        ids=ids,
        vectors=vectors,
        neighbours=nbr,
        scores=scores,
        projection=projection,
    )


def _incremental_build(
    current: store.Index,
    unseen: Sequence[tuple[int, str, str]],
    *,
    engine: str,
    key: dict[str, Any],
) -> BuildReport:
    k = settings.PAPERFEED_SIMILAR_K
    new_ids, docs = _documents(unseen, engine)
    if engine == "tfidf":
        new_vectors = current.projection.transform(docs)
    else:
        new_vectors = _embed(engine, docs) if docs else np.zeros((0, current.vectors.shape[1]))
    placed = np.linalg.norm(new_vectors, axis=1) > 0 if len(new_vectors) else np.zeros(0, bool)
    new_ids, new_vectors = new_ids[placed], new_vectors[placed].astype(np.float32)
    report = BuildReport(engine=engine, full=False, indexed=len(current.ids))
    if len(new_ids) == 0:
        return report
    old_count = len(current.ids)
    old_vectors = np.asarray(current.vectors, dtype=np.float32)
    all_vectors = np.concatenate([old_vectors, new_vectors])
    all_ids = np.concatenate([np.asarray(current.ids), new_ids])
    # Field weights (idf of names and categories) come from the whole catalogue as it is now;
    # the older lists keep the scores of their build, which differ only by that drift.
    dense, names = _neighbour_space(all_ids, all_vectors)
    old_dense, new_dense = dense[:old_count], dense[old_count:]
    new_extra = old_extra = None
    if names is not None:
        new_extra = (names[old_count:], names)
        old_extra = (names[:old_count], names[old_count:])
    # The new papers' own lists, against everything.
    new_nbr, new_scores = neighbours.top_k(
        new_dense, dense, k, self_offset=old_count, extra=new_extra
    )
    # Older papers: the best new candidates, merged into the lists they had.
    old_nbr = np.asarray(current.neighbours)
    old_scores = np.asarray(current.scores)
    cand_nbr, cand_scores = neighbours.top_k(old_dense, new_dense, k, extra=old_extra)
    merged_nbr, merged_scores = neighbours.merge(
        old_nbr, old_scores, cand_nbr + old_count, cand_scores, k
    )
    if merged_nbr.shape == old_nbr.shape:
        changed = np.nonzero((merged_nbr != old_nbr).any(axis=1))[0]
    else:  # a tiny catalogue whose lists were shorter than k
        changed = np.arange(old_count)
    nbr = np.concatenate([_pad(merged_nbr, k), _pad(new_nbr, k)])
    scores = np.concatenate([_pad(merged_scores, k), _pad(new_scores, k)])
    width = min(k, len(all_ids) - 1)
    nbr, scores = nbr[:, :width], scores[:, :width]
    rows = np.concatenate([changed, np.arange(old_count, len(all_ids))])
    _replace_rows(all_ids[rows], all_ids, nbr[rows], scores[rows], replace_all=False)
    store.write_index(
        index_dir(),
        meta={
            **current.meta,
            "key": key,
            "count": len(all_ids),
            "built_at": time.time(),
            "built": datetime.now(UTC).isoformat(),
        },
        ids=all_ids,
        vectors=all_vectors,
        neighbours=nbr,
        scores=scores,
        projection_from=current.root if engine == "tfidf" else None,
    )
    report.indexed = len(all_ids)
    report.added = len(new_ids)
    report.lists_written = len(rows)
    return report


def _pad(values: np.ndarray, k: int) -> np.ndarray:
    """Rows padded to ``k`` columns with -1 / -inf (only a catalogue of fewer than k+1 papers)."""
    if values.shape[1] >= k:
        return values[:, :k]
    filler = -1 if values.dtype.kind == "i" else -np.inf
    pad = np.full((values.shape[0], k - values.shape[1]), filler, dtype=values.dtype)
    return np.concatenate([values, pad], axis=1)


def _replace_rows(
    paper_ids: np.ndarray,
    row_ids: np.ndarray,
    nbr: np.ndarray,
    scores: np.ndarray,
    *,
    replace_all: bool,
) -> None:
    """Store the lists of ``paper_ids``: neighbour ``nbr[i, r]`` (a row of ``row_ids``) of
    ``paper_ids[i]`` at rank ``r``; replacing every stored list, or only these papers'."""
    table = SimilarPaper._meta.db_table
    with transaction.atomic():
        # A paper deleted since the catalogue was read must not be written (foreign keys).
        existing = set(Paper.objects.values_list("id", flat=True))
        rows = [
            (int(paper_ids[i]), int(row_ids[j]), rank, float(scores[i, rank]))
            for i in range(len(paper_ids))
            if int(paper_ids[i]) in existing
            for rank, j in enumerate(nbr[i])
            if j >= 0 and np.isfinite(scores[i, rank]) and int(row_ids[j]) in existing
        ]
        with connection.cursor() as cursor:
            if replace_all:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - constant table name
            else:
                ids = [int(pk) for pk in paper_ids]
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ",".join(["%s"] * len(chunk))
                    cursor.execute(
                        f"DELETE FROM {table} WHERE paper_id IN ({marks})",  # noqa: S608
                        chunk,
                    )
            for start in range(0, len(rows), INSERT_CHUNK):
                cursor.executemany(
                    f"INSERT INTO {table} (paper_id, neighbour_id, rank, score) "  # noqa: S608
                    "VALUES (%s, %s, %s, %s)",
                    rows[start : start + INSERT_CHUNK],
                )
