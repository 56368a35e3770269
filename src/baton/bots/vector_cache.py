"""Article vectors and calibrated thresholds kept on disk beside the database.

`baton kb import` encodes the articles' texts once and calibrates the threshold
(`calibration`); a server, a restart or another worker then finds both here and starts in
a second or two. Vectors are keyed by the model's name and a digest of each text, so an
edited knowledge base encodes only the texts that changed. Files are written whole or not at
all (a temporary file renamed over the old one); a damaged file is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from baton.bots.sentence_encoder import SentenceEncoder

CALIBRATIONS_KEPT = 4
ENCODE_BATCH = 32

log = logging.getLogger(__name__)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class VectorCache:
    """Text -> vector for one encoder, in memory and, given a folder, on disk."""

    def __init__(self, encoder: SentenceEncoder, folder: Path | None) -> None:
        self.encoder = encoder
        self.folder = folder
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = {}
        if folder is not None:
            self._vectors = _read_vectors(self._file(folder), encoder.dimension)

    def knows(self, texts: Sequence[str]) -> bool:
        """Whether every one of `texts` is encoded already."""
        with self._lock:
            return all(text_digest(t) in self._vectors for t in texts)

    def vectors(
        self,
        texts: Sequence[str],
        keep: Sequence[str] = (),
        on_progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """The vectors of `texts`, encoding those not known yet; `on_progress(done, total)`
        after each batch encoded. The cache then holds `texts` and `keep` only, so edits over
        months do not pile up."""
        keys = [text_digest(t) for t in texts]
        with self._lock:
            known = dict(self._vectors)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in known))
        for start in range(0, len(missing), ENCODE_BATCH):
            batch = missing[start : start + ENCODE_BATCH]
            for text, vector in zip(batch, self.encoder.encode(batch), strict=True):
                known[text_digest(text)] = vector
            if on_progress is not None:
                on_progress(min(start + ENCODE_BATCH, len(missing)), len(missing))
        wanted = set(keys) | {text_digest(t) for t in keep}
        current = {k: v for k, v in known.items() if k in wanted}
        with self._lock:
            changed = set(current) != set(self._vectors)
            self._vectors = current
        if changed and self.folder is not None:
            try:
                _write_vectors(self._file(self.folder), current)
            except OSError as exc:  # a read-only data folder costs start-up time, not answers
                log.warning("cannot save article vectors in %s: %s", self.folder, exc)
        if not texts:
            return np.zeros((0, self.encoder.dimension), dtype=np.float32)
        return np.stack([known[k] for k in keys])

    def _file(self, folder: Path) -> Path:
        return folder / f"vectors-{self.encoder.name}.npz"


def read_calibration(folder: Path | None, key: str) -> dict[str, Any] | None:
    """The calibration saved under `key`, or None."""
    if folder is None:
        return None
    saved = _read_calibrations(folder)
    entry = saved.get(key)
    return entry if isinstance(entry, dict) else None


def write_calibration(folder: Path | None, key: str, entry: dict[str, Any]) -> None:
    """Save a calibration under `key`, keeping the few most recent ones."""
    if folder is None:
        return
    saved = _read_calibrations(folder)
    saved.pop(key, None)
    saved[key] = entry
    kept = dict(list(saved.items())[-CALIBRATIONS_KEPT:])
    try:
        _write_atomic(folder / "calibrations.json", json.dumps(kept, indent=1).encode())
    except OSError as exc:
        log.warning("cannot save the calibrated threshold in %s: %s", folder, exc)


def _read_calibrations(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "calibrations.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_vectors(file: Path, dimension: int) -> dict[str, np.ndarray]:
    try:
        with np.load(file, allow_pickle=False) as data:
            keys = [str(k) for k in data["keys"]]
            vectors = np.asarray(data["vectors"], dtype=np.float32)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError):
        log.warning("ignoring a damaged vector cache: %s", file)
        return {}
    if vectors.ndim != 2 or vectors.shape != (len(keys), dimension):
        return {}
    return dict(zip(keys, vectors, strict=True))


def _write_vectors(file: Path, vectors: dict[str, np.ndarray]) -> None:
    keys = np.asarray(list(vectors), dtype="U32")
    matrix = np.stack(list(vectors.values())) if vectors else np.zeros((0, 0), dtype=np.float32)
    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=file.parent, suffix=".tmp", delete=False) as handle:
        np.savez(handle, keys=keys, vectors=matrix)
    try:
        # Readable like any file the process writes (a temporary file starts private).
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, file)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def _write_atomic(file: Path, data: bytes) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=file.parent, suffix=".tmp", delete=False) as handle:
        handle.write(data)
    try:
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, file)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
