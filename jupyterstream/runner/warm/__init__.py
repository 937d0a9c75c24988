"""Warm kernels: each job's kernel is forked from a template that has already imported ipykernel
and the notebook's own imports, one template per host, sweep and kernel.

Standard library only at module level (run-one and the collector import it). The parts that need
Jupyter are ``manager`` (loaded by nbconvert through nbconvert_config.py) and ``child`` (loaded by
the template); nothing else in runner/ imports them.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile

from ..outcome import TEMPLATE_MODULE, WARM_DIR_ENV, WARM_IDLE_ENV  # noqa: F401 (TEMPLATE_MODULE: control's)
from ..reaper import is_template
from ..status import host_name
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

IDLE_SECONDS = 5.0        # a template with no kernel and no request for this long ends (jobs follow each other within a second)
KEEP_SECONDS = 3600.0     # an ended template's folder (its log) is removed this long after, by the next template started
START_SECONDS = 120.0     # the longest a job waits for a template to import everything
SWEEP_FILE = "sweep"      # in a template's folder: the id of the sweep that made it


class NotWarm(Exception):
    """Why a job runs with a cold kernel (the message goes into its status record)."""


def base_folder() -> str:
    """The folder that holds every template's socket: private to this user (mode 700)."""
    path = os.environ.get(WARM_DIR_ENV) or os.path.join(tempfile.gettempdir(), f"jupyterstream-warm-{os.getuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise NotWarm(f"cannot make the template folder {path}: {exc.strerror}") from None
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise NotWarm(f"the template folder {path} is not a folder only this user can read (mode 700)")
    return path


def key_folder(sweep: str, python: list[str], kernel: str, modules: list) -> str:
    """The folder of the template for this sweep, kernel interpreter (argv list) and import list, on
    this host (Slurm nodes that share one machine's TMPDIR each keep a template of their own); a new
    one says which sweep made it (SWEEP_FILE), so that the sweep's end can remove it."""
    key = json.dumps([sweep, os.path.realpath(python[0]), python[1:], kernel, list(modules), host_name()])
    name = hashlib.sha256(key.encode()).hexdigest()[:16]
    for _ in range(3):
        path = os.path.join(base_folder(), name)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            return path
        except FileNotFoundError:
            continue  # a sweep that ended removed the base folder (empty then) in between: make it again
        except OSError as exc:
            raise NotWarm(f"cannot make the template folder {path}: {exc.strerror}") from None
        try:
            with open(os.path.join(path, SWEEP_FILE), "w", encoding="utf-8") as handle:
                handle.write(sweep)
        except OSError:
            pass  # then it is removed by age (control.prune), not at the sweep's end
        return path
    raise NotWarm(f"the template folder {path} vanished as it was made, three times")


def sweep_of(folder: str | Path) -> str:
    """The sweep whose job made this template folder, or None."""
    try:
        with open(os.path.join(folder, SWEEP_FILE), encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None


def idle_seconds() -> float:
    """How long a template waits with nothing to do before it ends."""
    try:
        return max(float(os.environ.get(WARM_IDLE_ENV, IDLE_SECONDS)), 0.5)
    except ValueError:
        return IDLE_SECONDS


def template_pids(sweep: str | None = None) -> list[int]:
    """Pids of the live templates of this user (of one sweep when given), from their info files."""
    pids = []
    try:
        base = base_folder()
        names = os.listdir(base)
    except (NotWarm, OSError):
        return pids
    for name in names:
        try:
            with open(os.path.join(base, name, "info.json"), encoding="utf-8") as handle:
                info = json.load(handle)
        except (OSError, ValueError):
            continue
        if (sweep is None or info.get("sweep") == sweep) and is_template(info.get("pid")):
            pids.append(info["pid"])
    return pids
