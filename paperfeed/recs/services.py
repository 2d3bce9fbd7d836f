"""Writes of the recommender: training the model, hiding a paper, the private feed's key."""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from paperfeed.papers.models import Paper
from paperfeed.recs import inputs
from paperfeed.recs.models import FeedKey, HiddenPaper, TrainingRun

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

    from paperfeed.recs import hybrid

# numpy, scipy and the training modules are imported by the training functions: the views
# import this module for hiding a paper and the feed's key, and a web worker never trains.

logger = logging.getLogger(__name__)

FEED_SALT = "paperfeed.recs.feed"


def config() -> hybrid.Config:
    from paperfeed.recs import hybrid

    return hybrid.Config(
        l2=settings.PAPERFEED_RECS_L2,
        keep=settings.PAPERFEED_RECS_NEIGHBOURS,
        min_readers=settings.PAPERFEED_RECS_MIN_READERS,
        content_weight=settings.PAPERFEED_RECS_CONTENT_WEIGHT,
    )


@dataclass(frozen=True)
class Matrix:
    """Members' signals as a readers x papers 0/1 matrix, and the paper id of each column."""

    train: sparse.csr_matrix
    paper_ids: np.ndarray
    user_ids: np.ndarray


def signal_matrix(*, max_papers: int) -> Matrix:
    """Every member's signals; only the ``max_papers`` most signalled papers are columns."""
    import numpy as np
    from scipy import sparse

    pairs = np.fromiter(
        (value for pair in inputs.training_pairs() for value in pair), dtype=np.int64
    ).reshape(-1, 2)
    if not len(pairs):
        empty = np.zeros(0, np.int64)
        return Matrix(sparse.csr_matrix((0, 0), dtype=np.float32), empty, empty)
    user_ids, rows = np.unique(pairs[:, 0], return_inverse=True)
    paper_ids, cols = np.unique(pairs[:, 1], return_inverse=True)
    counts = np.bincount(cols, minlength=len(paper_ids))
    # The most signalled papers, ties by the lower id: a stable choice between runs.
    order = np.lexsort((paper_ids, -counts))[:max_papers]
    keep = np.zeros(len(paper_ids), dtype=bool)
    keep[order] = True
    position = np.cumsum(keep) - 1
    chosen = keep[cols]
    train = sparse.csr_matrix(
        (np.ones(int(chosen.sum()), np.float32), (rows[chosen], position[cols[chosen]])),
        shape=(len(user_ids), int(keep.sum())),
    )
    return Matrix(train=train, paper_ids=paper_ids[keep], user_ids=user_ids)


def model_train() -> TrainingRun:
    """Train the collaborative model from every member's signals and make it live."""
    from paperfeed.recs import hybrid, store

    started = timezone.now()
    clock = time.perf_counter()
    matrix = signal_matrix(max_papers=settings.PAPERFEED_RECS_MAX_PAPERS)
    cfg = config()
    graph = hybrid.collaborative_fit(matrix.train, config=cfg)
    readers, papers = (int(n) for n in matrix.train.shape)
    meta = {
        "trained": started.isoformat(),
        "readers": readers,
        "papers": papers,
        "signals": int(matrix.train.nnz),
        "l2": cfg.l2,
        "keep": cfg.keep,
        "min_readers": cfg.min_readers,
    }
    root = store.write_model(
        settings.PAPERFEED_RECS_DIR, meta=meta, ids=matrix.paper_ids, graph=graph
    )
    seconds = time.perf_counter() - clock
    run = TrainingRun.objects.create(
        started=started,
        seconds=seconds,
        readers=readers,
        papers=papers,
        signals=int(matrix.train.nnz),
        links=int(graph.nnz),
        # ru_maxrss is in KiB on Linux: the process's peak, so at least this run's.
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        build=root.name,
    )
    logger.info(
        "recs trained: %s readers, %s papers, %s links in %.1f s",
        run.readers,
        run.papers,
        run.links,
        seconds,
    )
    return run


def paper_hide(*, user: AbstractBaseUser, paper: Paper) -> bool:
    """Never recommend ``paper`` to ``user`` again; True if it was not hidden already."""
    _, created = HiddenPaper.objects.get_or_create(user_id=user.pk, paper=paper)
    return created


def paper_unhide(*, user: AbstractBaseUser, paper_id: int) -> bool:
    deleted, _ = HiddenPaper.objects.filter(user_id=user.pk, paper_id=paper_id).delete()
    return bool(deleted)


def feed_token(key: FeedKey) -> str:
    """The private feed's token: signed over (user, generation), URL-safe."""
    return signing.Signer(salt=FEED_SALT).sign(f"{key.user_id}-{key.generation}").replace(":", ".")


def feed_key_user_id(token: str) -> int | None:
    """The member a feed token belongs to, or None if it is forged, revoked or turned off."""
    try:
        value = signing.Signer(salt=FEED_SALT).unsign(token.replace(".", ":", 1)[:200])
        user_id, generation = (int(part) for part in value.split("-"))
    except (signing.BadSignature, ValueError):
        return None
    key = FeedKey.objects.filter(user_id=user_id, user__is_active=True).first()
    if key is None or not key.enabled or key.generation != generation:
        return None
    return user_id


@transaction.atomic
def feed_key_rotate(*, user: AbstractBaseUser) -> FeedKey:
    """Turn the private feed on with a new address; every earlier address stops working."""
    key, created = FeedKey.objects.select_for_update().get_or_create(user_id=user.pk)
    if not created:
        FeedKey.objects.filter(pk=key.pk).update(generation=F("generation") + 1, enabled=True)
        key.refresh_from_db()
    return key


def feed_key_revoke(*, user: AbstractBaseUser) -> None:
    """Turn the private feed off: its address answers 404 until a new one is made."""
    FeedKey.objects.filter(user_id=user.pk).update(enabled=False)
