"""Fitted weights shipped inside the package, and the one function that reads them.

Below the domain in the layers: it reads a file of the package and returns plain arrays, which
the pure `baton.domain.reader` and `baton.domain.topics` score with. `reader.npz` is written by
`baton train reader`, `topics.npz` by `baton train topics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

READER_FILE = "reader.npz"
TOPICS_FILE = "topics.npz"


@lru_cache(maxsize=1)
def reader_arrays() -> Mapping[str, npt.NDArray[np.generic]]:
    """The arrays of the shipped reader weights, read once per process."""
    return _arrays(READER_FILE)


@lru_cache(maxsize=1)
def topic_arrays() -> Mapping[str, npt.NDArray[np.generic]]:
    """The arrays of the shipped topic reader's weights, read once per process."""
    return _arrays(TOPICS_FILE)


def _arrays(file_name: str) -> Mapping[str, npt.NDArray[np.generic]]:
    # allow_pickle=False: the file holds plain arrays only, never code.
    with (
        resources.files(__package__).joinpath(file_name).open("rb") as handle,
        np.load(handle, allow_pickle=False) as data,
    ):
        return MappingProxyType({name: data[name] for name in data.files})
