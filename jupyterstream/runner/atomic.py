"""Write files so that a reader sees the old content or the new, never half of it (job side)."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

UMASK = os.umask(0)
os.umask(UMASK)


def replace_file(path: str | Path, data: bytes, durable: bool = True) -> None:
    """Write bytes to a temporary file beside ``path``, flush them to disk, then rename over ``path``.

    Raises OSError (and leaves no temporary file) when the folder is missing, unwritable or full.
    """
    replace_with(path, lambda handle: handle.write(data), "wb", durable)


def replace_with(path: str | Path, write: Callable, mode: str = "wb", durable: bool = True) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path`` (opened with ``mode``), flush it,
    then rename it over ``path``: a reader sees the old file or the new one, never half of it.

    Raises what ``write`` or the file system raised, and leaves no temporary file.
    """
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            write(handle)
            os.fchmod(handle.fileno(), 0o666 & ~UMASK)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
