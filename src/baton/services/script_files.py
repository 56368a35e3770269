"""Read a folder of handoff script overrides (`[scripts] folder`): one `<name>.txt` per script.

The texts are handed to `baton.domain.scripts.ScriptBook`, which checks them; reading files
stays out of the domain.
"""

from __future__ import annotations

from pathlib import Path

SCRIPT_SUFFIX = ".txt"


def read_script_folder(folder: Path) -> dict[str, str]:
    """Script name -> template text for every `<name>.txt` in `folder` (not recursive).

    Raises FileNotFoundError for a missing folder. Unknown names are returned as they are, so
    the check reports them by name.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such scripts folder")
    return {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted(folder.iterdir())
        if path.suffix == SCRIPT_SUFFIX and path.is_file()
    }
