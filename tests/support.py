"""Test helpers: the repo's paths and a way to run the real CLI as a user would."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "tests" / "notebooks"
CLI = Path(sys.executable).parent / "jupyterstream"


def run_cli(*args, timeout=300, **kwargs):
    """Run the installed jupyterstream command from the repo root; return the CompletedProcess."""
    return subprocess.run([str(CLI), *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def read_status(output, job_id):
    """A job's status record as a dict."""
    return json.loads((Path(output) / "status" / f"{job_id}.json").read_text())


def write_lines(path, *lines):
    """Write a values file, one value a line."""
    Path(path).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def descendants(pid):
    """PIDs of every process below ``pid`` (sshd's sessions leave its process group)."""
    table = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children = {}
    for line in table.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_all(pids):
    """SIGKILL each process of a list of PIDs that is still alive."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
