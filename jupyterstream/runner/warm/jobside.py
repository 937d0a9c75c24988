"""What run-one does for warm kernels: tell nbconvert's kernel manager to use one, and read back
which kernel the job got. Standard library only, and cheap: one read of the staged notebook."""

from __future__ import annotations

import json
import os

from ..cells import import_targets, local_module, top_level
from ..outcome import CWD_ENV, JOB_ENV, KERNEL_NOTE_ENV, PARTIAL_ENV, TOKEN_ENV, WARM_ENV
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

OFF = "cold (warm kernels are off: WARM=0 or --cold-kernels)"
# Set by a sweep that turned warm kernels off itself (say, under Slurm's cgroup tracking): why, for the record.
COLD_REASON_ENV = "JUPYTERSTREAM_COLD_REASON"


def prepare(env: dict, notebook_path: str | Path, sweep: str, note_path: str | Path) -> None:
    """Add to a job's environment what nbconvert's kernel manager needs to fork a warm kernel."""
    try:
        with open(notebook_path, encoding="utf-8") as handle:
            nb = json.load(handle)
    except (OSError, ValueError):
        nb = {}
    job_vars = [CWD_ENV, PARTIAL_ENV, JOB_ENV, TOKEN_ENV, KERNEL_NOTE_ENV, WARM_ENV]
    job_vars += list(nb.get("metadata", {}).get("jupyterstream", {}).get("environment", {}))
    imports = notebook_imports(nb.get("cells", []), env.get(CWD_ENV))
    env[WARM_ENV] = json.dumps({"imports": imports, "sweep": sweep, "job_vars": job_vars})
    env[KERNEL_NOTE_ENV] = note_path
    _remove(note_path)


def kernel_field(warm: bool, note_path: str | Path) -> str | None:
    """The status record's ``kernel`` field: "warm", "cold (why)", or None when no kernel started."""
    if not warm:
        reason = os.environ.get(COLD_REASON_ENV)
        return f"cold ({reason})" if reason else OFF
    try:
        with open(note_path, encoding="utf-8") as handle:
            note = handle.read().strip()
    except OSError:
        return None
    _remove(note_path)
    return note or None


def notebook_imports(cells: list[dict], cwd: str | None = None) -> list:
    """What the notebook's code cells import, in order (``matplotlib.pyplot``, ``importlib.resources:files``):
    the SSH preflight's list of top-level modules, each with the part of it the notebook names
    (runner/cells.py), read from the notebook's JSON. Less the modules in the kernel's working folder
    ``cwd`` (a module beside the notebook, which its inputs bring): the template could not import
    them, and would stop there."""
    return [t for t in import_targets(cells) if not (cwd and local_module(top_level(t), cwd))]


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass
