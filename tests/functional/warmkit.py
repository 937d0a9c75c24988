"""Helpers for the warm-kernel tests: tiny notebooks, what a run printed, the process table."""

import json
import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

TEMPLATE = "jupyterstream.runner.warm.template"

# What a run reports about the process it ran in, as one JSON line.
REPORT = """\
import ctypes, json, os, random, string, sys, threading, numpy as np, pandas as pd, matplotlib
def blas_threads():
    libraries = {l.split()[-1] for l in open("/proc/self/maps") if "openblas" in l.lower() and ".so" in l}
    for path in libraries:
        for name in ("openblas_get_num_threads", "openblas_get_num_threads64_", "scipy_openblas_get_num_threads64_",
                     "scipy_openblas_get_num_threads"):
            getter = getattr(ctypes.CDLL(path), name, None)
            if getter is not None:
                return getter()
    return None
report = {
    "numpy": float(np.random.rand()), "random": random.random(), "pid": os.getpid(),
    "cwd": os.getcwd(), "leak_env": os.environ.get("WARM_LEAK"), "step_env": os.environ.get("step"),
    "jpy_parent": os.environ.get("JPY_PARENT_PID"), "leak_path": "/leak" in sys.path,
    "leak_global": "LEFT_BEHIND" in globals(), "leak_pandas": hasattr(pd.DataFrame, "leak"),
    "leak_stdlib": string.capwords("a b") != "A B", "threads": sorted(t.name for t in threading.enumerate()),
    "max_columns": pd.get_option("display.max_columns"), "backend": matplotlib.get_backend(),
    "blas_threads": blas_threads(),
}
print("REPORT " + json.dumps(report))
"""

DIRTY = """\
if step.startswith("dirty"):
    import time
    LEFT_BEHIND = 1
    pd.DataFrame.leak = lambda self: "leaked"
    string.capwords = lambda *args, **kwargs: "patched"
    os.environ["WARM_LEAK"] = "1"
    sys.path.append("/leak")
    os.chdir("/")
    threading.Thread(target=time.sleep, args=(30,), name="leaky", daemon=True).start()
if step == "die":
    os._exit(3)
if step == "sigkill":
    import signal
    os.kill(os.getpid(), signal.SIGKILL)
"""

FIGURE = """\
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [1, 4, 9])
plt.show()
"""


def isolation_notebook(path):
    """A notebook that reports on its process, then (for step dirty*) leaves a mess behind."""
    cells = [new_code_cell('step = "check"', metadata={"tags": ["parameters"]}),
             new_code_cell(REPORT), new_code_cell(DIRTY), new_code_cell(FIGURE)]
    return write_notebook(path, cells)


def importing_notebook(path, module):
    """A notebook whose first import is ``module``."""
    cells = [new_code_cell('step = "check"', metadata={"tags": ["parameters"]}),
             new_code_cell(f"import {module}\nprint('imported', {module}.__name__)")]
    return write_notebook(path, cells)


def write_notebook(path, cells):
    """A Python notebook of ``cells``."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def report_of(output, job_id):
    """The REPORT line a run printed, as a dict."""
    nb = json.loads((Path(output) / "runs" / f"{job_id}.ipynb").read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            for line in "".join(out.get("text", "")).splitlines():
                if line.startswith("REPORT "):
                    return json.loads(line[len("REPORT "):])
    raise AssertionError(f"{job_id}: no REPORT line in its notebook")


def processes_mentioning(text):
    """Pids of live processes whose command line or environment mentions ``text``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read()
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read()
        except OSError:
            continue
        if text.encode() in command or text.encode() in environ:
            found.append(int(entry))
    return found
