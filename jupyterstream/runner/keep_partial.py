"""An ExecutePreprocessor that keeps the partial notebook when a run fails or is stopped.

nbconvert writes nothing when execution fails. This subclass, swapped in for nbconvert's own by
``nbconvert_config.py``, writes the notebook as far as it got, with the failure described in its
metadata, to the path in $JUPYTERSTREAM_PARTIAL, then lets nbconvert fail as usual.
"""

import json
import os
import signal
import time

from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import ExecutePreprocessor

from .outcome import CWD_ENV, META_KEY, PARTIAL_ENV, SIGNAL_EXIT



class Stopped(BaseException):
    """Raised inside nbconvert when the job is told to stop (SIGTERM, SIGINT)."""


class KeepPartialExecutePreprocessor(ExecutePreprocessor):
    """nbconvert's ExecutePreprocessor, plus a partial notebook and a failure record on failure."""

    def preprocess(self, nb, resources=None, km=None):
        """Execute ``nb``; on any failure save it as far as it got, then re-raise."""
        self._js_nb, self._js_cell = nb, None
        if os.environ.get(CWD_ENV):
            resources = resources or {}
            resources.setdefault("metadata", {})["path"] = os.environ[CWD_ENV]
        self._js_meta()["execution"] = {"started_at": time.time()}
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        try:
            return super().preprocess(nb, resources, km)
        except Exception as exc:
            self._save(describe(exc, nb, self._js_cell))
            raise

    def preprocess_cell(self, cell, resources, index):
        """Note which cell runs, and when the kernel was first ready."""
        if self._js_cell is None:
            self._js_meta()["execution"]["kernel_ready_at"] = time.time()
        self._js_cell = index
        return super().preprocess_cell(cell, resources, index)

    def _js_meta(self):
        return self._js_nb.metadata.setdefault(META_KEY, {})

    def _on_signal(self, signum, frame):
        for other in (signal.SIGTERM, signal.SIGINT):
            signal.signal(other, signal.SIG_IGN)
        self._save({"status": "interrupted", "cell_index": self._js_cell,
                    "ename": signal.Signals(signum).name, "evalue": "the job was told to stop"})
        os._exit(SIGNAL_EXIT)

    def _save(self, failure):
        path = os.environ.get(PARTIAL_ENV)
        if not path:
            return
        self._js_meta()["failure"] = failure
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self._js_nb, handle, indent=1, ensure_ascii=True, default=repr)
            handle.write("\n")
        os.replace(tmp, path)


def describe(exc, nb, cell_index):
    """Classify an execution failure: status, the failing cell, the error name and message."""
    failure = {"cell_index": cell_index, "ename": type(exc).__name__, "evalue": str(exc)[:2000]}
    error = _error_output(nb, cell_index)
    if error:
        failure.update(ename=error.get("ename", ""), evalue=error.get("evalue", ""),
                       traceback=error.get("traceback", []))
        if not failure["ename"]:
            failure.update(_unnamed(error, nb.cells[cell_index]))
    if isinstance(exc, CellTimeoutError):
        failure["status"] = "cell-timeout"
    elif isinstance(exc, DeadKernelError):
        failure["status"] = "dead-kernel"
    elif isinstance(exc, CellExecutionError):
        failure["status"] = "stopped-early" if failure["ename"] == "SystemExit" else "cell-error"
    elif cell_index is None:
        failure["status"] = "could-not-start"
    else:
        failure["status"] = "dead-kernel"
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
    for output in nb.cells[cell_index].get("outputs", []):
        if output.get("output_type") == "error":
            return output
    return None
