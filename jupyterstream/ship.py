"""What travels to an SSH host with each job: ship/ID/ holds its input notebook and the job's own
code (hard links, so a thousand jobs cost no space), sent in one rsync by parallel's --transferfile."""

import os
import shutil
from pathlib import Path

from .parallel import PACKAGE_DIR, RUN_ONE

# The modules a job needs on a host that has only Python and Jupyter (standard library + nbconvert).
JOB_MODULES = ("__init__.py", "record.py", "job.py", "status.py", "atomic.py", "errors.py", "keep_partial.py",
               "nbconvert_config.py")


def stage_tool(output):
    """Copy the job's own code into OUTPUT/tool/ (what `:` hosts run, and what ship/ links to)."""
    tool = Path(output) / "tool"
    (tool / "bin").mkdir(parents=True, exist_ok=True)
    (tool / "jupyterstream").mkdir(exist_ok=True)
    shutil.copy2(RUN_ONE, tool / "bin" / "run-one")
    for name in JOB_MODULES:
        shutil.copy2(os.path.join(PACKAGE_DIR, name), tool / "jupyterstream" / name)
    return tool


def stage_ship(output, job_ids):
    """Make OUTPUT/ship/ID/{inputs/ID.ipynb, tool/...} for each job id, as hard links."""
    output = Path(output)
    tool = stage_tool(output)
    shutil.rmtree(output / "ship", ignore_errors=True)
    for job_id in job_ids:
        box = output / "ship" / job_id
        (box / "inputs").mkdir(parents=True)
        _link(output / "inputs" / f"{job_id}.ipynb", box / "inputs" / f"{job_id}.ipynb")
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
