"""A run is classed for what really happened, keeps every cell that finished, and takes with it every
process it started. One sweep (the real CLI, GNU parallel, nbconvert, kernels) of a notebook whose
runs go wrong in ways a cell can cause: an output nbformat rejects, a SIGTERM or a SIGKILL of its own
nbconvert, a bad line magic, a cell timeout, and daemons that escape the environment token."""

import json
import os
from pathlib import Path

import pytest

from faultkit import describe, run_tagged, status_of, tagged_env, wait_until_gone
from support import write_lines

NOTEBOOK = Path(__file__).parent / "notebooks" / "classes.ipynb"
FAULTS = ["ok", "badoutput", "sigterm", "sigkill", "usage", "timeout", "escape"]
FAULT_CELL = 3  # in the executed notebook: parameters, injected-parameters, setup, the fault, the end
CELL_TIMEOUT = 4


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, module_tag):
    tmp = tmp_path_factory.mktemp("classes")
    markers = tmp / "markers"
    markers.mkdir()
    table = write_lines(tmp / "values.txt", *FAULTS)
    output = tmp / "out"
    code, _, err = run_tagged(["run", NOTEBOOK, table, "--param", "fault", "--output", output, "--jobs", 2,
                               "--cell-timeout", CELL_TIMEOUT], module_tag, tmp / "logs", timeout=240,
                              env=tagged_env(module_tag, JSF_MARKER_DIR=markers))
    escaped = {name: int((markers / f"{name}.pid").read_text()) for name in ("setsid", "execve")}
    alive = {name: pid for name, pid in escaped.items() if _is_sleep(pid)}
    for pid in alive.values():  # never leave them, whatever the test says
        os.kill(pid, 9)
    return {"output": output, "code": code, "stderr": err, "alive": alive, "escaped": escaped}


def _is_sleep(pid):
    """True while ``pid`` is a live (not zombie) `sleep 123x` process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z" and command.startswith(b"sleep\x00123")


def record(sweep, job_id):
    return status_of(sweep["output"], job_id)


def notebook(sweep, job_id):
    return json.loads((sweep["output"] / "runs" / f"{job_id}.ipynb").read_text())


def test_a_cell_whose_output_nbformat_rejects_is_a_cell_error_not_a_dead_kernel(sweep):
    rec = record(sweep, "badoutput")
    assert rec["status"] == "cell-error", rec
    assert rec["ename"] == "NotebookValidationError" and rec["cell_index"] == FAULT_CELL, rec


def test_a_cell_that_sigterms_its_own_nbconvert_is_not_interrupted(sweep):
    """Nobody stopped the sweep: run-one got no signal, so the run is no 'interrupted'."""
    rec = record(sweep, "sigterm")
    assert rec["status"] == "job-error", rec
    assert "SIGTERM" in rec["message"] and "not by the sweep" in rec["message"], rec
    assert rec["cell_index"] == FAULT_CELL


def test_a_cell_that_sigkills_its_own_nbconvert_keeps_every_cell_that_ran(sweep):
    rec = record(sweep, "sigkill")
    assert rec["status"] == "job-error" and "SIGKILL" in rec["message"], rec
    assert rec["cell_index"] == FAULT_CELL and rec["notebook"] == "runs/sigkill.ipynb", rec
    nb = notebook(sweep, "sigkill")
    assert "".join(nb["cells"][FAULT_CELL - 1]["outputs"][0]["text"]) == "first sigkill\n"
    assert nb["metadata"]["jupyterstream"]["execution"]["cell"] == FAULT_CELL + 1
    assert nb["metadata"]["jupyterstream"]["execution"]["cells"] == len(nb["cells"])


def test_a_bad_line_magic_reports_usage_error_by_its_own_name(sweep):
    rec = record(sweep, "usage")
    assert rec["status"] == "cell-error", rec
    assert rec["ename"] == "UsageError" and "notamagic" in rec["evalue"], rec


def test_a_cell_timeout_leaves_an_error_in_the_cell_that_ran_past_it(sweep):
    rec = record(sweep, "timeout")
    assert rec["status"] == "cell-timeout", rec
    error = notebook(sweep, "timeout")["cells"][FAULT_CELL]["outputs"][-1]
    assert error["output_type"] == "error" and error["ename"] == "CellTimeoutError"
    assert f"timed out after {CELL_TIMEOUT} s" in error["evalue"]


def test_daemons_that_cleared_their_environment_or_double_forked_end_with_their_job(sweep):
    """`env -i setsid sleep` and a double fork + execve with an empty environment carry no token;
    run-one, a child subreaper, adopts them and ends them when nbconvert ends."""
    assert record(sweep, "escape")["status"] == "ok"
    assert sweep["alive"] == {}, f"left running after the sweep: {sweep['alive']}"


def test_the_runs_that_did_nothing_wrong_are_ok_and_nothing_is_left(sweep, module_tag):
    assert record(sweep, "ok")["status"] == "ok"
    assert sweep["code"] == 1 and "Traceback" not in sweep["stderr"], sweep["stderr"]
    left = wait_until_gone(module_tag, timeout=5)
    assert not left, describe(left)
