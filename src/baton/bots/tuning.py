"""Tuning the embedding model on a knowledge base, and keeping the tuned models.

When a hybrid index is built, a copy of the embedding model is first tuned on the knowledge
base itself (SetFit-style contrastive learning: two texts of one article are pulled together,
texts of other articles in the same batch pushed apart), so that it separates this knowledge
base's articles better than the general model; the tuned copy then encodes the articles and
every message. A knowledge base with fewer than two articles having two texts keeps the general
model, and so does `[bot] tune_embeddings = false`. Tuning is capped (`TUNE_MAX_STEPS`): about
1.5 minutes on 2 cores whatever the size. The tuned model is kept per knowledge-base content,
in the process and, given a folder (`tuned-models` beside the SQLite file, see `baton.config`),
on disk: a restart, or another worker process, loads it in a second or two instead of tuning
again.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import os
import random
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from baton.bots.embedding_models import resolve_model_path

# Contrastive tuning on the knowledge base (see the module docstring). Three passes over the
# texts at a low learning rate raised BANKING77's ranking, its AUROC and its OOS recall
# together and left the confidence's calibration as it was on every other shape tried
# (higher rates or a tuned linear map on top of the vectors shifted it, differently for
# each shape). The step cap bounds the build: 64 steps of 32 pairs, whatever the size.
TUNE_EPOCHS = 3
TUNE_BATCH = 32
TUNE_MAX_STEPS = 64
TUNE_LEARNING_RATE = 2e-5
TUNE_SCALE = 20.0  # cosine * scale are the logits of the in-batch softmax
TUNE_MAX_TOKENS = 64  # titles and questions fit; an answer's start is cut, to keep steps cheap
TUNE_SEED = 0
# Bump when `_tune` changes in a way the constants above do not show: older saved models are
# then never reused.
TUNE_FORMAT = 1
TUNED_MODELS_KEPT = 2  # in memory
TUNED_MODELS_ON_DISK = 3  # about 90 MB each for the bundled model
# A temporary folder this old was left by a process that died while saving.
STALE_TEMPORARY_SECONDS = 3600.0

log = logging.getLogger(__name__)


_tuned: OrderedDict[str, Any] = OrderedDict()
_tuned_lock = threading.Lock()


def tuned_model(
    base: Any,
    texts: Sequence[str],
    owners: Sequence[int],
    name: str | None,
    folder: Path | None = None,
) -> Any:
    """`base` (the model at `name`) tuned on these article texts (`owners[i]` is the article
    of `texts[i]`), or `base` itself when fewer than two articles have two distinct texts.
    Kept per content in memory and, when `folder` is given, on disk under it."""
    groups: dict[int, list[str]] = {}
    for text, owner in zip(texts, owners, strict=True):
        group = groups.setdefault(owner, [])
        if text not in group:
            group.append(text)
    usable = [group for group in groups.values() if len(group) >= 2]
    if len(usable) < 2:
        return base
    digest = _tuning_digest(name, usable)
    # One lock: two reloads of the same articles tune once, and tuning never runs twice
    # at the same time on two cores already busy with it.
    with _tuned_lock:
        if digest in _tuned:
            _tuned.move_to_end(digest)
            return _tuned[digest]
        if folder is None:
            model = _tune(base, usable)
        else:
            # Worker processes starting together: one tunes, the others wait and load it.
            with _folder_lock(folder):
                model = _load_saved(folder / digest)
                if model is None:
                    model = _tune(base, usable)
                    _save(model, folder, digest)
        _tuned[digest] = model
        while len(_tuned) > TUNED_MODELS_KEPT:
            _tuned.popitem(last=False)
        return model


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Holds an exclusive lock on `folder` among processes, where the system offers one;
    without it (or when the folder cannot be written) processes may tune at once, which
    costs time but not correctness: each saves whole or not at all."""
    handle = None
    try:
        import fcntl

        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / ".lock").open("a")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    except (ImportError, OSError):
        pass
    try:
        yield
    finally:
        if handle is not None:
            handle.close()  # releases the lock


def _tuning_digest(name: str | None, groups: list[list[str]]) -> str:
    """Names a tuned model by all it depends on: the base model (its folder, and the size and
    time of each file in it, so a model replaced in place counts as another), the tuning
    constants and the texts."""
    path = resolve_model_path(name)
    files: list[tuple[str, int, int]] = []
    try:
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if entry.is_file():
                stat = entry.stat()
                files.append((entry.name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        pass  # not a local folder: its name alone identifies it
    constants = (
        TUNE_FORMAT,
        TUNE_EPOCHS,
        TUNE_BATCH,
        TUNE_MAX_STEPS,
        TUNE_LEARNING_RATE,
        TUNE_SCALE,
        TUNE_MAX_TOKENS,
        TUNE_SEED,
    )
    return hashlib.sha256(repr((path, files, constants, groups)).encode()).hexdigest()


def _load_saved(path: Path) -> Any:
    """The tuned model saved at `path`, or None when there is none or it cannot be used (then
    the folder is deleted, to be replaced by a fresh tune)."""
    if not path.is_dir():
        return None
    try:
        from sentence_transformers import SentenceTransformer

        if not (path / "modules.json").is_file():
            raise ValueError("modules.json is missing")
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        probe = model.encode(["probe"], normalize_embeddings=True, show_progress_bar=False)
        if not np.all(np.isfinite(probe)):
            raise ValueError("it encodes to non-finite vectors")
    except Exception as exc:  # anything unreadable: tune again rather than fail start-up
        log.warning("tuned model %s cannot be used (%s); deleting it and tuning again", path, exc)
        shutil.rmtree(path, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest by `_prune`
    log.info("loaded the tuned model %s", path)
    return model


def _save(model: Any, folder: Path, digest: str) -> None:
    """Save `model` as `folder/digest`, whole or not at all: into a temporary folder beside
    it, then renamed. A failure is logged; the model is still used from memory."""
    target = folder / digest
    temporary: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{digest[:16]}-", dir=folder))
        model.save(str(temporary), create_model_card=False)
        try:
            os.replace(temporary, target)
        except OSError:
            if not target.is_dir():
                raise
            # Another process saved the same model first (tuning is deterministic): keep it.
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            log.info("saved the tuned model %s", target)
        temporary = None
    except Exception as exc:  # a full or read-only disk must not stop the bot
        log.warning("could not save the tuned model in %s (%s); it will tune again", folder, exc)
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        return
    _prune(folder, keep=target)


def _prune(folder: Path, keep: Path) -> None:
    """Delete all but the `TUNED_MODELS_ON_DISK` most recently used tuned models, and
    temporary folders left by a process that died while saving."""
    try:
        entries = [entry for entry in folder.iterdir() if entry.is_dir()]
        now = time.time()
        saved: list[tuple[float, Path]] = []
        for entry in entries:
            modified = entry.stat().st_mtime
            if entry.name.startswith("."):
                if now - modified > STALE_TEMPORARY_SECONDS:
                    shutil.rmtree(entry, ignore_errors=True)
            elif len(entry.name) == 64 and entry != keep:
                saved.append((modified, entry))
        saved.sort(reverse=True)
        for _, entry in saved[TUNED_MODELS_ON_DISK - 1 :]:
            shutil.rmtree(entry, ignore_errors=True)
            log.info("deleted the tuned model %s, the least recently used", entry)
    except OSError as exc:
        log.warning("could not tidy the tuned models in %s (%s)", folder, exc)


def _tune(base: Any, groups: list[list[str]]) -> Any:
    """A copy of `base` trained with in-batch negatives on pairs of texts of one article."""
    import torch

    rng = random.Random(TUNE_SEED)
    remaining: dict[int, list[tuple[str, str]]] = {}
    for article, group in enumerate(groups):
        pairs = []
        for _ in range(TUNE_EPOCHS):
            for i, anchor in enumerate(group):
                j = rng.randrange(len(group) - 1)
                pairs.append((anchor, group[j + (j >= i)]))
        rng.shuffle(pairs)
        remaining[article] = pairs
    # Each batch holds pairs of distinct articles: another pair of the same article would
    # be taught as a negative.
    batches: list[list[tuple[str, str]]] = []
    while len(remaining) >= 2 and len(batches) < TUNE_MAX_STEPS:
        chosen = rng.sample(sorted(remaining), min(TUNE_BATCH, len(remaining)))
        batches.append([remaining[a].pop() for a in chosen])
        for article in chosen:
            if not remaining[article]:
                del remaining[article]

    model = copy.deepcopy(base)
    max_tokens = model.max_seq_length
    model.max_seq_length = min(max_tokens, TUNE_MAX_TOKENS)
    optimiser = torch.optim.AdamW(model.parameters(), lr=TUNE_LEARNING_RATE, weight_decay=0.0)
    warmup = max(1, len(batches) // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / warmup, (len(batches) - step) / (len(batches) - warmup + 1)),
    )
    preprocess = getattr(model, "preprocess", None) or model.tokenize

    def embed(batch_texts: list[str]) -> Any:
        features = model(preprocess(batch_texts))["sentence_embedding"]
        return torch.nn.functional.normalize(features, dim=-1)

    # Seeded dropout, without disturbing the caller's random state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TUNE_SEED)
        model.train()
        for batch in batches:
            logits = embed([a for a, _ in batch]) @ embed([p for _, p in batch]).T * TUNE_SCALE
            labels = torch.arange(len(batch))
            loss: Any = (
                torch.nn.functional.cross_entropy(logits, labels)
                + torch.nn.functional.cross_entropy(logits.T, labels)
            ) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    model.eval()
    model.max_seq_length = max_tokens
    return model
