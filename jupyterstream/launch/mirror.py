"""This machine's read-only copy of a sweep's inputs, OUTPUT/input-files/: what local runs link to
and what goes to each SSH host. A copy, not links to your own files: a run that writes through one
of its input links (only root can, the copy being read-only) changes the copy, never your file.

A file already there with the same size and modification time is kept, so a rerun copies nothing
that did not change; files no longer among the inputs are removed.
"""

from __future__ import annotations

import errno
import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from .inputs import Inputs

CACHE = "input-files"
CHUNK = 1 << 20


def cache_folder(output: str | Path) -> str:
    """Where this machine's copy of the inputs lives."""
    return os.path.join(output, CACHE)


def mirror(inputs: Inputs, output: str | Path) -> tuple[int, int]:
    """Bring OUTPUT/input-files/ to exactly the inputs' files; return (files copied, bytes copied)."""
    cache = cache_folder(output)
    wanted = {os.path.normpath(name): size for name, size in inputs.files}
    folders = {os.path.normpath(name) for name in inputs.folders}
    _prune(cache, wanted, folders)
    copied, volume = 0, 0
    for name in sorted(wanted):
        source, target = os.path.join(inputs.root, name), os.path.join(cache, name)
        there = os.stat(source)
        try:
            have = os.stat(target)
            if (have.st_size, have.st_mtime_ns) == (there.st_size, there.st_mtime_ns):
                continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(target), exist_ok=True)
        partial = f"{target}.{os.getpid()}.partial"
        copy_sparse(source, partial)
        os.utime(partial, ns=(there.st_atime_ns, there.st_mtime_ns))
        os.chmod(partial, 0o444)
        os.replace(partial, target)
        copied, volume = copied + 1, volume + there.st_size
    os.makedirs(cache, exist_ok=True)
    for name in sorted(folders):
        os.makedirs(os.path.join(cache, name), exist_ok=True)
    return copied, volume


def _prune(cache, wanted, folders=()):
    """Remove whatever is in the cache but not wanted (files, then the folders left empty that are
    not wanted themselves)."""
    for folder, _, names in os.walk(cache, topdown=False):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.relpath(path, cache) not in wanted or os.path.islink(path):
                os.unlink(path)
        if folder != cache and not os.listdir(folder) and os.path.relpath(folder, cache) not in folders:
            os.rmdir(folder)


def copy_sparse(source: str | Path, target: str | Path) -> None:
    """Copy a file, leaving its holes as holes (a sparse file stays small on disk)."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        try:
            spans = list(_data_spans(src.fileno(), size))
        except OSError:  # no SEEK_DATA here: copy it all
            spans = [(0, size)]
        for start, end in spans:
            src.seek(start)
            dst.seek(start)
            while start < end:
                block = src.read(min(CHUNK, end - start))
                if not block:
                    break
                dst.write(block)
                start += len(block)
        dst.truncate(size)


def _data_spans(fd, size):
    position = 0
    while position < size:
        try:
            start = os.lseek(fd, position, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # only a hole is left
                return
            raise
        position = os.lseek(fd, start, os.SEEK_HOLE)
        yield start, position


def remove_cache(output: str | Path) -> None:
    """Remove this machine's copy of the inputs (a sweep without inputs leaves none behind)."""
    shutil.rmtree(cache_folder(output), ignore_errors=True)
