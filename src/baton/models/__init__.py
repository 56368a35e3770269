"""Fitted weights shipped inside the package, and the one function that reads them.

Below the domain in the layers: it reads a file of the package and returns plain arrays, which
the pure `baton.domain.reader` scores with. `reader.npz` is written by `baton train reader`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

READER_FILE = "reader.npz"


@lru_cache(maxsize=1)
def reader_arrays() -> Mapping[str, npt.NDArray[np.generic]]:
    """The arrays of the shipped reader weights, read once per process."""
    # allow_pickle=False: the file holds plain arrays only, never code.
    with (
        resources.files(__package__).joinpath(READER_FILE).open("rb") as handle,
        np.load(handle, allow_pickle=False) as data,
    ):
        return MappingProxyType({name: data[name] for name in data.files})
