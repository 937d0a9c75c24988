"""Write files so that a reader sees the old content or the new, never half of it (job side)."""

from __future__ import annotations

import os
import tempfile

UMASK = os.umask(0)
os.umask(UMASK)


def replace_file(path: str | os.PathLike, data: bytes, durable: bool = True) -> None:
    """Write bytes to a temporary file beside ``path``, flush them to disk, then rename over ``path``.

    Raises OSError (and leaves no temporary file) when the folder is missing, unwritable or full.
    """
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
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
