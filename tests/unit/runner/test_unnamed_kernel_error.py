"""keep_partial.describe: a kernel that sends an error with no name (bash_kernel) is still reported."""

from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook, new_output

from jupyterstream.runner.keep_partial import describe


def _failed(*outputs):
    nb = new_notebook(cells=[new_code_cell("x=1"), new_code_cell("false", outputs=list(outputs))])
    return describe(CellExecutionError("traceback", "", "1"), nb, 1)


def test_error_without_a_name_is_reported_by_its_exit_status_and_the_last_line_printed():
    failure = _failed(new_output("stream", name="stdout", text="working\nfailing on purpose\n\n"),
                      new_output("error", ename="", evalue="1", traceback=[]))
    assert (failure["status"], failure["ename"], failure["evalue"]) == (
        "cell-error", "Error", "exit status 1: failing on purpose")


def test_error_without_a_name_or_output_still_says_its_exit_status():
    failure = _failed(new_output("error", ename="", evalue="2", traceback=[]))
    assert (failure["ename"], failure["evalue"]) == ("Error", "exit status 2")


def test_named_error_keeps_the_kernels_name_and_message():
    failure = _failed(new_output("error", ename="ValueError", evalue="bad", traceback=[]))
    assert (failure["ename"], failure["evalue"]) == ("ValueError", "bad")
