"""Sentence vectors of the whole catalogue for the embeddings half of the quality benchmark.

Encoding 75,000 abstracts with all-MiniLM-L6-v2 on two CPU cores takes a long while, so the
vectors are written in checkpoints beside the data and a re-run resumes where the last one
stopped. Usage::

    PAPERFEED_DATA_DIR=var/dev-similar .venv/bin/python -m bench.quality.encode [--max-tokens 256]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

CHUNK = 2048


def cache_path(data_dir: Path, max_tokens: int) -> Path:
    return data_dir / "bench" / f"embeddings-{max_tokens}.npz"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.conf import settings

    from paperfeed.papers.models import Paper
    from paperfeed.papers.similar import embeddings, text

    rows = list(Paper.objects.order_by("id").values_list("id", "title", "abstract"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    docs = [text.document(r[1], r[2], repeat_title=False) for r in rows]
    path = cache_path(settings.DATA_DIR, args.max_tokens)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = np.zeros((0, 384), np.float32)
    if path.exists():
        stored = np.load(path)
        if np.array_equal(stored["ids"][: len(stored["vectors"])], ids[: len(stored["vectors"])]):
            done = stored["vectors"]
    encoder = embeddings.Encoder(embeddings.locate_model(), max_tokens=args.max_tokens)
    started = time.monotonic()
    start_count = len(done)
    while len(done) < len(docs):
        chunk = docs[len(done) : len(done) + CHUNK]
        done = np.concatenate([done, encoder.encode(chunk)])
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, ids=ids, vectors=done)
        os.replace(tmp, path)
        rate = (len(done) - start_count) / (time.monotonic() - started)
        print(f"{len(done)}/{len(docs)} papers, {rate:.1f}/s", file=sys.stderr, flush=True)
    print(f"vectors of {len(done)} papers in {path}")


if __name__ == "__main__":
    main()
