"""An ExecutePreprocessor that keeps the partial notebook, whatever ends the run.

nbconvert writes nothing when execution fails, and nothing at all when it is killed. This subclass,
swapped in for nbconvert's own by ``nbconvert_config.py``, saves the notebook to the path in
$JUPYTERSTREAM_PARTIAL before each code cell runs (atomically, with the progress in
``metadata.jupyterstream.execution``: ``cell`` of ``cells``), so a run killed in any way keeps every
cell that finished; on a failure it saves it once more with the failure described, then lets
nbconvert fail as usual. What the failure means is decided in ``classify``.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import time

from nbclient.exceptions import CellTimeoutError
from nbconvert.preprocessors import ExecutePreprocessor

from . import batchside
from . import resources as resources_of  # `resources` is nbconvert's argument name
from .classify import SIGNALLED, failure_status
from .outcome import CWD_ENV, META_KEY, PARTIAL_ENV, SIGNAL_EXIT, Status


class KeepPartialExecutePreprocessor(ExecutePreprocessor):
    """nbconvert's ExecutePreprocessor, plus a partial notebook saved as it goes and on failure."""

    def preprocess(self, nb: dict, resources: dict | None = None, km: object = None) -> tuple:
        """Execute ``nb``, saving it before each code cell; on any failure save it, then re-raise."""
        self._js_nb, self._js_cell = nb, None
        name = ((resources or {}).get("metadata") or {}).get("name")
        batchside.enter(name)  # in a batch (runner/batch.py), this value's own environment and log
        if os.environ.get(CWD_ENV):
            resources = resources or {}
            resources.setdefault("metadata", {})["path"] = os.environ[CWD_ENV]
        self._js_meta()["execution"] = {"started_at": time.time(), "cell": 0, "cells": len(nb.cells)}
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        try:
            result = super().preprocess(nb, resources, km)
        except Exception as exc:
            if isinstance(exc, CellTimeoutError):
                self._note_timeout()
            self._note_usage()
            self._save(describe(exc, nb, self._js_cell))
            raise
        finally:
            # The kernel has gone; nbconvert only writes the notebook and exits. An interpreter's exit
            # walks every object the collector tracks (nbconvert's imports, this notebook: 60-70 ms a
            # job here). Frozen, they are not walked again; what is made after this is collected as usual.
            gc.freeze()
        self._note_usage()
        self._progress(len(nb.cells))
        batchside.leave(name)
        return result

    def preprocess_cell(self, cell: dict, resources: dict, index: int) -> tuple:
        """Save what ran so far and which cell runs now; note when the kernel was first ready (and cap
        it at MEMORY_LIMIT then), and each code cell's time, CPU and memory growth."""
        if self._js_cell is None:
            self._js_meta()["execution"]["kernel_ready_at"] = time.time()
            self._js_pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
            resources_of.limit_kernel(self._js_pid)
        self._js_cell = index
        if cell.get("cell_type") != "code":
            return super().preprocess_cell(cell, resources, index)
        self._progress(index + 1)
        before = resources_of.sample(self._js_pid)
        try:
            return super().preprocess_cell(cell, resources, index)
        finally:
            figures = resources_of.cell_figures(index, before, resources_of.sample(self._js_pid))
            if figures:
                self._js_meta()["execution"].setdefault("per_cell", []).append(figures)

    def _note_usage(self):
        """What the kernel used in all, now that it has gone (resources.py)."""
        self._js_meta()["execution"]["usage"] = resources_of.kernel_usage()

    def _js_meta(self):
        return self._js_nb.metadata.setdefault(META_KEY, {})

    def _progress(self, cell):
        self._js_meta()["execution"]["cell"] = cell
        self._save(None)

    def _note_timeout(self):
        """Leave the timeout in place, in the cell that ran past it (as papermill leaves errors)."""
        cell = self._js_nb.cells[self._js_cell]
        cell.setdefault("outputs", []).append({
            "output_type": "error", "ename": "CellTimeoutError",
            "evalue": f"the cell timed out after {self.timeout} s (the cell timeout) and was stopped",
            "traceback": [f"CellTimeoutError: the cell ran past the cell timeout of {self.timeout} s"]})

    def _on_signal(self, signum, frame):
        for other in (signal.SIGTERM, signal.SIGINT):
            signal.signal(other, signal.SIG_IGN)
        self._save({"kind": SIGNALLED, "status": Status.JOB_ERROR.value, "cell_index": self._js_cell,
                    "ename": signal.Signals(signum).name, "evalue": "nbconvert was told to stop"})
        os._exit(SIGNAL_EXIT)

    def _save(self, failure):
        path = os.environ.get(PARTIAL_ENV)
        if not path:
            return
        if failure:
            self._js_meta()["failure"] = failure
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(self._js_nb, handle, indent=1, ensure_ascii=True, default=repr)
                handle.write("\n")
            os.replace(tmp, path)
        except OSError:  # a full disk: the last whole save (if any) stays, and run-one reports the rest
            _remove(tmp)


def describe(exc: object, nb: dict, cell_index: int) -> dict:
    """What an execution failure was: its kind, status, the failing cell, the error name and message."""
    kind = type(exc).__name__
    failure = {"kind": kind, "cell_index": cell_index, "ename": getattr(exc, "ename", None) or kind,
               "evalue": str(getattr(exc, "evalue", None) or exc)[:2000]}
    error = _error_output(nb, cell_index)
    if error:
        failure.update(ename=error.get("ename", ""), evalue=error.get("evalue", ""),
                       traceback=error.get("traceback", []))
        if not failure["ename"]:
            failure.update(_unnamed(error, nb.cells[cell_index]))
    elif getattr(exc, "traceback", None):
        failure["traceback"] = str(exc.traceback).splitlines()
    failure["status"] = failure_status(kind, failure["ename"], cell_index).value
    return failure


def _unnamed(error, cell):
    """Name an error its kernel left unnamed (bash_kernel sends only the exit status) by that status and
    the last line the cell printed, which is where bash shows what went wrong."""
    lines = [line for output in cell.get("outputs", []) if output.get("output_type") == "stream"
             for line in "".join(output.get("text", "")).splitlines() if line.strip()]
    status = f"exit status {error.get('evalue')}" if error.get("evalue") else "failed"
    return {"ename": "Error", "evalue": f"{status}: {lines[-1].strip()}" if lines else status}


def _error_output(nb, cell_index):
    if cell_index is None:
        return None
    for output in reversed(nb.cells[cell_index].get("outputs", [])):
        if output.get("output_type") == "error":
            return output
    return None


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass
