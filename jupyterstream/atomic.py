"""Write files so that a reader sees the old content or the new, never half of it."""

import os
import tempfile
from pathlib import Path

from .errors import OutputError

UMASK = os.umask(0)
os.umask(UMASK)


def write_atomic(path, text):
    """Write ``text`` to a temporary file beside ``path``, flush it, then rename it over ``path``."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc}): check that {path.parent} "
                          "exists and is writable") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            os.fchmod(handle.fileno(), 0o666 & ~UMASK)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc}): free some space or "
                          "choose another OUTPUT; earlier results are untouched") from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp):
    try:
        os.unlink(tmp)
    except OSError:
        pass
