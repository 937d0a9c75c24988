"""runner/classify.py: one place decides a run's status from what nbconvert left and run-one saw."""

import pytest

from jupyterstream.runner.classify import SIGNALLED, classify, failure_status


def nb_with(failure=None, cell=None, cells=5):
    meta = {"execution": {"cell": cell, "cells": cells}}
    if failure:
        meta["failure"] = failure
    return {"cells": [], "metadata": {"jupyterstream": meta}}


@pytest.mark.parametrize("kind, ename, cell, status", [
    ("CellExecutionError", "ValueError", 3, "cell-error"),
    ("CellExecutionError", "SystemExit", 3, "stopped-early"),
    ("CellExecutionError", "UsageError", 3, "cell-error"),
    ("CellTimeoutError", "CellTimeoutError", 3, "cell-timeout"),
    ("DeadKernelError", "DeadKernelError", 3, "dead-kernel"),
    ("NotebookValidationError", "NotebookValidationError", 3, "cell-error"),
    ("RuntimeError", "RuntimeError", None, "could-not-start"),
    ("RuntimeError", "RuntimeError", 3, "job-error"),
])
def test_each_kind_of_failure_has_one_status(kind, ename, cell, status):
    assert failure_status(kind, ename, cell).value == status


def test_only_a_signal_run_one_itself_got_means_interrupted():
    failure = {"kind": SIGNALLED, "status": "job-error", "ename": "SIGTERM", "cell_index": 3}
    assert classify(7, nb_with(failure), stopped_by="SIGTERM")["status"] == "interrupted"
    assert classify(7, nb_with(failure), stopped_by="SIGTERM", timed_out=True)["status"] == "job-timeout"
    alone = classify(7, nb_with(failure))
    assert alone["status"] == "job-error" and "not by the sweep" in alone["message"]


def test_nbconvert_killed_by_a_signal_is_told_with_the_cell_that_was_running():
    record = classify(-9, nb_with(cell=4, cells=5))
    assert record["status"] == "job-error" and record["cell_index"] == 3
    assert "SIGKILL during cell 3 of 5" in record["message"]


def test_a_failure_keeps_its_name_and_a_clean_traceback():
    failure = {"kind": "CellExecutionError", "status": "cell-error", "ename": "UsageError", "evalue": "no magic",
               "cell_index": 2, "traceback": ["\x1b[31mUsageError\x1b[0m: no magic"]}
    record = classify(1, nb_with(failure))
    assert record == {"status": "cell-error", "ename": "UsageError", "evalue": "no magic", "cell_index": 2,
                      "traceback": ["UsageError: no magic"]}


def test_ok_only_with_exit_0_and_a_notebook():
    assert classify(0, nb_with())["status"] == "ok"
    assert classify(0, None, partial="p.ipynb")["status"] == "job-error"
    assert "disk full" in classify(1, None, log_tail="disk full")["message"]
