"""Where GNU parallel keeps its buffers of job output during a sweep: a folder of the sweep's own, on a
filesystem that no run writes to.

parallel checks, many times a second, that 8 KB more fit in its --tmpdir, and stops every job the
moment they do not ("Output is incomplete ... Is the disk full?"). In TMPDIR (its default) a notebook
that fills TMPDIR stops the whole sweep; in OUTPUT, a run that fills its run folder does. So the
buffers go to a memory-backed folder of this user's (XDG_RUNTIME_DIR, or /dev/shm) that is neither
OUTPUT's filesystem nor TMPDIR's, and only when there is none, to OUTPUT/.scratch/. A job prints a
line or two to parallel, so the buffers stay small. Over SSH too, parallel buffers on this machine.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile

from ..atomic import SCRATCH, make_folder
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

MEMORY = ("XDG_RUNTIME_DIR", "/dev/shm")  # an environment variable naming a folder, or a folder


def folder(output: str | Path, sweep: str, make: bool = True) -> str:
    """The buffer folder of sweep ``sweep`` writing to ``output`` (made with ``make``)."""
    base = _own_base(output, make)
    if base is None:
        return make_folder(os.path.join(output, SCRATCH)) if make else os.path.join(output, SCRATCH)
    path = os.path.join(base, sweep or "sweep")
    if make:
        os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def remove(path: str | Path) -> None:
    """Remove a sweep's buffer folder once parallel has ended (OUTPUT/.scratch/ stays: the collector's)."""
    if os.path.basename(os.path.normpath(path)) != SCRATCH:
        shutil.rmtree(path, ignore_errors=True)


def _own_base(output, make):
    """This user's folder on the first memory-backed filesystem apart from OUTPUT's and TMPDIR's, or None."""
    taken = {_device(output), _device(tempfile.gettempdir())}
    for place in MEMORY:
        root = os.environ.get(place, "") if place.isupper() else place
        if not root or not os.path.isdir(root) or not os.access(root, os.W_OK) or _device(root) in taken:
            continue
        base = os.path.join(root, f"jupyterstream-{os.getuid()}")
        if _private(base, make):
            return base
    return None


def _private(base, make):
    """True when ``base`` is (or, with ``make``, has been made) a folder only this user can enter."""
    try:
        if make:
            os.makedirs(base, mode=0o700, exist_ok=True)
        info = os.lstat(base)
    except OSError:
        return not make and not os.path.lexists(base)
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _device(path):
    """The filesystem (st_dev) of ``path``, or of its nearest existing parent."""
    path = os.path.abspath(path)
    while True:
        try:
            return os.stat(path).st_dev
        except OSError:
            if os.path.dirname(path) == path:
                return None
            path = os.path.dirname(path)
