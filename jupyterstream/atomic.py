"""Every file the collector and the planner write goes through here, so that a write that fails is
one thing wherever it happens: an OutputError that names the file and the cause (the CLI exits 3),
never a traceback, and never half a file under a result's name.

The sweep's own temporary files (GNU parallel's buffers of job output, the collector's spools) are
kept in OUTPUT/.scratch/, never in TMPDIR: TMPDIR is the kernels', and a notebook that fills it must
not take the sweep's machinery down with it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile

from .errors import OutputError
from .runner.atomic import UMASK, replace_file, replace_with  # noqa: F401 (one writer for both sides)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SCRATCH = ".scratch"
# What only a write can fail with: met anywhere in a collect, OUTPUT cannot be written.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG})


def cannot_write(path: str | Path, exc: OSError) -> OutputError:
    """The OutputError for ``exc``, an OSError met while writing ``path``: the one message."""
    path = os.fspath(path)
    folder = os.path.dirname(path.rstrip(os.sep)) or "."
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        what = "free some space on its disk"
    elif exc.errno == errno.EROFS:
        what = "its filesystem is mounted read-only: make it writable, or copy OUTPUT elsewhere and collect there"
    else:
        what = f"check that {folder} exists and is writable"
    return OutputError(f"{path}: cannot be written ({exc.strerror or exc}): {what}; earlier results are untouched")


@contextlib.contextmanager
def writing(path: str | Path, errnos: frozenset | None = None) -> Iterator:
    """Turn an OSError raised in the block into ``cannot_write(path)``; with ``errnos``, only those
    (a boundary around many writes lets other errors through as they are)."""
    try:
        yield
    except OSError as exc:
        if errnos is not None and exc.errno not in errnos:
            raise
        raise cannot_write(exc.filename if errnos is not None and exc.filename else path, exc) from None


def write_atomic(path: str | Path, text: str, durable: bool = True) -> None:
    """Write text atomically; a failure is an OutputError that names the file. ``durable=False``
    skips the fsync, for files that are made again from their sources when lost (staged inputs)."""
    write_bytes(path, text.encode("utf-8"), durable)


def write_bytes(path: str | Path, data: bytes, durable: bool = True) -> None:
    """Write bytes atomically (figures, pages beside the report); a failure names the file."""
    with writing(path):
        replace_file(path, data, durable)


def write_small(path, text):
    """Write one of many small files that are made again from their sources when lost (staged inputs),
    without an fsync; a failure names the file. A file that is already there is replaced atomically
    (a temporary name of this process's own, .NAME.PID.tmp, renamed over it: mkstemp's random names cost
    as much again as the writing, times 100,000 inputs). A new one is written in place, which saves the
    rename: nothing reads it before todo.txt names it, and a plan killed mid-write leaves at most one
    cut short, which fails its run and is written again by the next plan (it is not done)."""
    path = os.fspath(path)
    data = text.encode("utf-8")
    with writing(path):
        try:
            _write_new(path, data)
            return
        except FileExistsError:
            if _holds(path, data):  # staged again unchanged (a repeat plan): nothing to write
                return
        folder, name = os.path.split(path)
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
        _write_new(tmp, data, replace=True)
        try:
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _holds(path, data):
    """True when the file at ``path`` holds exactly ``data``."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(data) + 1) == data
    except OSError:
        return False


def _write_new(path, data, replace=False):
    """Create ``path`` (or, with ``replace``, truncate it) and write ``data``; on a failure, remove it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def write_streamed(path: str | Path, chunks: list[str] | Iterator, durable: bool = True) -> None:
    """Write text chunks to a temporary file beside ``path``, then rename it over ``path``: a reader
    sees the old file or the new one. A failure is an OutputError that names the file."""
    with writing(path):
        replace_with(path, lambda handle: handle.writelines(chunks), "w", durable)


def make_folder(path: str | Path) -> str | Path:
    """Make a folder (and its parents) unless it is there; a failure names it."""
    with writing(path):
        os.makedirs(path, exist_ok=True)
    return path


def scratch_folder(output: str | Path) -> str:
    """OUTPUT/.scratch/, made when missing: where the sweep keeps its own temporary files."""
    return make_folder(os.path.join(os.fspath(output), SCRATCH))


def drop(file: object) -> None:
    """Close a scratch file whose content is no longer wanted: a flush that fails (a full disk) is
    nothing to report, the file is closed all the same."""
    with contextlib.suppress(OSError):
        file.close()


def scratch_file(output: str | Path | None = None, text: bool = False) -> object:
    """An anonymous temporary file (gone when closed) in OUTPUT/.scratch/, or in the system's
    temporary folder without ``output`` (pages made from runs in memory)."""
    folder = scratch_folder(output) if output is not None else None
    with writing(folder or tempfile.gettempdir()):
        if text:
            return tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=folder)
        return tempfile.TemporaryFile(dir=folder)
