"""How a job ended, decided in one place: from what nbconvert left (its exit code, the partial
notebook and the failure the preprocessor described in it) and what run-one itself saw (a signal
it received, the job timeout). Statuses are outcome.Status; standard library only.
"""

from __future__ import annotations

import re
import signal

from .outcome import META_KEY, Status
from .resources import MB, gigabytes

# The exception nbconvert's execution raised (its class name) -> the run's status.
BY_EXCEPTION = {
    "CellTimeoutError": Status.CELL_TIMEOUT,
    "DeadKernelError": Status.DEAD_KERNEL,
    # The kernel lived: a cell displayed an output that nbformat rejects, so the notebook failed.
    "NotebookValidationError": Status.CELL_ERROR,
    "ValidationError": Status.CELL_ERROR,
}
SIGNALLED = "signal"  # the failure kind the preprocessor records when nbconvert itself got a signal
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def failure_status(kind: str, ename: str, cell_index: int | None) -> Status:
    """The status of an execution failure, from the exception's class name and the error's name."""
    if kind == "CellExecutionError":
        return Status.STOPPED_EARLY if ename == "SystemExit" else Status.CELL_ERROR
    if kind in BY_EXCEPTION:
        return BY_EXCEPTION[kind]
    if cell_index is None:
        return Status.COULD_NOT_START
    return Status.JOB_ERROR


def classify(code: int, nb: dict | None, stopped_by: str | None = None, timed_out: bool = False, log_tail: str = "", partial: str = "") -> dict:
    """The status-record fields of an attempt: its status, and what to tell about it."""
    meta = (nb or {}).get("metadata", {}).get(META_KEY, {})
    failure = meta.get("failure") or {}
    if stopped_by:
        return _stopped(stopped_by, timed_out, failure)
    if failure.get("kind") == SIGNALLED:
        return _signalled(failure["ename"], failure.get("cell_index"), meta)
    if failure:
        return _failure_fields(failure)
    if code == 0 and nb is not None:
        return {"status": Status.OK.value}
    if code is not None and code < 0:
        return _signalled(_signal_name(-code), _running_cell(meta), meta)
    if nb is None and code == 0:
        return {"status": Status.JOB_ERROR.value,
                "message": f"nbconvert exited 0 but wrote no readable notebook at {partial}"}
    if nb is not None:  # the preprocessor's last save before nbconvert failed outside any cell
        return {"status": Status.JOB_ERROR.value,
                "message": f"nbconvert exited {code}: {log_tail}; the notebook is kept as far as it got"}
    return {"status": Status.JOB_ERROR.value,
            "message": f"nbconvert exited {code} without writing a readable notebook: {log_tail}"}


def _failure_fields(failure):
    fields = {k: failure.get(k) for k in ("cell_index", "ename", "evalue")}
    fields["status"] = Status(failure["status"]).value
    fields["traceback"] = [ANSI.sub("", line) for line in failure.get("traceback", [])][-30:]
    return fields


def _stopped(stopped_by, timed_out, failure):
    """run-one itself was told to stop: the sweep was stopped, or its job timeout came."""
    record = {"status": (Status.JOB_TIMEOUT if timed_out else Status.INTERRUPTED).value,
              "message": f"stopped by {stopped_by}"}
    if failure.get("cell_index") is not None:
        record["cell_index"] = failure["cell_index"]
    return record


def _signalled(name, cell_index, meta):
    """nbconvert got a signal that run-one did not send: nobody stopped the sweep."""
    where = _where(cell_index, meta)
    return {"status": Status.JOB_ERROR.value, "ename": name, "cell_index": cell_index,
            "evalue": f"nbconvert was ended by {name}, not by the sweep",
            "message": f"nbconvert was ended by {name}{where}, and not by the sweep (run-one got no signal): "
                       "the notebook or another program sent it; the partial notebook keeps every cell that ran"}


def _where(cell_index, meta):
    cells = (meta.get("execution") or {}).get("cells")
    if cell_index is None:
        return " before its first cell"
    return f" during cell {cell_index}" + (f" of {cells}" if cells else "")


def _running_cell(meta):
    """The index of the cell that was running when the partial notebook was last saved."""
    cell = (meta.get("execution") or {}).get("cell")
    return cell - 1 if isinstance(cell, int) and cell > 0 else None


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def memory_verdict(record: dict, limit: int = 0, oom_killed: bool = False) -> None:
    """Say in the record's message when memory ended the run: a MemoryError under MEMORY_LIMIT (``limit``
    bytes), or a dead kernel while this machine's out-of-memory killer killed a process."""
    cell, peak = record.get("cell_index"), record.get("max_rss_mb")
    at = f", at {gigabytes(peak)}" if isinstance(peak, (int, float)) else ""
    under = f" (MEMORY_LIMIT {gigabytes(limit / MB)})" if limit else ""
    if record.get("status") == Status.CELL_ERROR.value and record.get("ename") == "MemoryError" and limit:
        record["message"] = (f"over MEMORY_LIMIT of {gigabytes(limit / MB)} while cell {cell} ran: "
                             "raise MEMORY_LIMIT or make the cell use less memory")
    elif record.get("status") == Status.DEAD_KERNEL.value and oom_killed:
        record["message"] = (f"killed for lack of memory while cell {cell} ran{at}{under}: the out-of-memory "
                             "killer ended the kernel; give the run more memory or make the cell use less")
    return record
