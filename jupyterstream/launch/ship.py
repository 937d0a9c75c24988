"""What travels to an SSH host with each job: ship/ID/ holds its input notebook and the runner
(hard links, so a thousand jobs cost no space), sent in one rsync by parallel's --transferfile.
The notebook's data files do not travel with each job: transfer.py sends them once per host.

The runner is the whole ``jupyterstream/runner/`` folder plus the package's ``__init__.py`` (which
only re-exports ``record`` for notebooks): what runs on a host is exactly that, nothing hand-picked.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .parallel import PACKAGE_DIR, RUN_ONE
from ..runner.layout import INPUTS, Layout
from ..runner.rundir import FILES, manifest_path

RUNNER_DIR = os.path.join(PACKAGE_DIR, "runner")


def stage_tool(output: str | Path) -> str:
    """Copy the runner into OUTPUT/tool/ (what `:` hosts run, and what ship/ links to)."""
    tool = Path(output) / "tool"
    shutil.rmtree(tool, ignore_errors=True)
    (tool / "bin").mkdir(parents=True)
    shutil.copy2(RUN_ONE, tool / "bin" / "run-one")
    shutil.copytree(RUNNER_DIR, tool / "jupyterstream" / "runner",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(os.path.join(PACKAGE_DIR, "__init__.py"), tool / "jupyterstream" / "__init__.py")
    return tool


def stage_ship(output: str | Path, job_ids: list[str]) -> None:
    """Make OUTPUT/ship/ID/{inputs/ID.ipynb, tool/...} for each job id, as hard links. Clear each job's
    files/ID/ (and the list of them) here: the return rsync adds to a folder, and a run's files must be
    its last run's only."""
    output = Path(output)
    tool = stage_tool(output)
    shutil.rmtree(output / "ship", ignore_errors=True)
    for job_id in job_ids:
        shutil.rmtree(output / FILES / job_id, ignore_errors=True)
        Path(manifest_path(output, job_id)).unlink(missing_ok=True)
        box = output / "ship" / job_id
        (box / INPUTS).mkdir(parents=True)
        _link(Layout(output).input(job_id), Layout(box).input(job_id))
        for source in tool.rglob("*"):
            target = box / "tool" / source.relative_to(tool)
            if source.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                _link(source, target)


def _link(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
