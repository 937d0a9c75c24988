"""Atomic writes for the collector and the planner: a failure is an OutputError naming the file."""

import os

from .errors import OutputError
from .runner.atomic import UMASK, replace_file  # noqa: F401 (one writer for both sides)


def write_atomic(path, text, durable=True):
    """Write text atomically; a failure is an OutputError that names the file. ``durable=False``
    skips the fsync, for files that are made again from their sources when lost (staged inputs)."""
    try:
        replace_file(path, text.encode("utf-8"), durable)
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc}): free some space, or check that "
                          f"{os.path.dirname(os.fspath(path)) or '.'} exists and is writable; earlier results "
                          "are untouched") from None
