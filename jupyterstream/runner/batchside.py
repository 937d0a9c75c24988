"""nbconvert's side of a batch: one nbconvert executes several values' notebooks, each as its own job.

run-one (runner/batch.py) starts nbconvert over several staged notebooks with $JUPYTERSTREAM_BATCH
naming a small JSON file: for each value (its notebook's name, the job id) the environment its own
one-value job would give nbconvert, and the paths of its log. Before each notebook the preprocessor
calls ``enter``: the process's environment becomes that value's (so its kernel, warm or cold, gets its
token, partial path and parameters), its output goes to that value's log, and run-one hears
``start ID`` on the batch's event pipe; ``leave`` says ``end ID`` once the notebook ran whole.
Nothing here runs outside a batch. Standard library only.
"""

import json
import os
import time

from . import resources

BATCH_ENV = "JUPYTERSTREAM_BATCH"        # the batch file's path (set by run-one on nbconvert only)
EVENTS_ENV = "JUPYTERSTREAM_BATCH_FD"    # the write end of run-one's event pipe, inherited by nbconvert
_state = {}


def enter(name):
    """Make this process the value ``name``'s job: its environment, its log, its start said."""
    spec = _spec()
    if spec is None or name not in spec["values"]:
        return
    value = spec["values"][name]
    if "base" not in _state:  # the batch's own variables stay out of every value's environment
        _state["fd"] = os.environ.pop(EVENTS_ENV, None)
        os.environ.pop(BATCH_ENV, None)
        _state["base"] = dict(os.environ)
    base = _state["base"]
    os.environ.clear()
    os.environ.update(base)
    for variable in value.get("unset", []):
        os.environ.pop(variable, None)
    os.environ.update(value["env"])
    _to_log(value["log"])
    resources.start_value()  # each value's kernel usage is its own
    _tell(f"start {name} {time.time():.6f}")


def leave(name):
    """Say that the value ``name``'s notebook ran whole (nbconvert writes it next)."""
    spec = _spec()
    if spec is not None and name in spec["values"]:
        _tell(f"end {name}")


def _spec():
    if "spec" not in _state:
        path = os.environ.get(BATCH_ENV)
        if path is None:  # not a batch: nothing more to look up, ever
            _state["spec"] = None
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                _state["spec"] = json.load(handle)
        except (TypeError, OSError, ValueError):
            _state["spec"] = None
    return _state["spec"]


def _to_log(path):
    """Send this process's stdout and stderr (and so its kernel's) to the value's own log."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return  # the log stays the previous value's: run-one still records this one
    for target in (1, 2):
        os.dup2(fd, target)
    os.close(fd)


def _tell(line):
    try:
        fd = int(_state.get("fd"))
        if not _state.get("private"):  # the template nbconvert may spawn must not hold the pipe open
            os.set_inheritable(fd, False)
            _state["private"] = True
        os.write(fd, (line + "\n").encode())
    except (TypeError, ValueError, OSError):
        pass  # run-one has gone; the preprocessor's saves still keep the notebook
