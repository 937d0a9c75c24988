"""Promise 2: one sweep whose runs go wrong in hostile ways, each in its own job: the kernel
SIGKILLs itself (what the OOM killer does), hits an address-space limit, leaves background
processes behind, prints 30 MB, waits for input(). Each run is classified, a failed run keeps its
partial notebook up to the failing cell, the ok runs of the same sweep are untouched, and nothing
the sweep started is left running."""

import hashlib
import json
import time
from pathlib import Path

import pytest

from faultkit import describe, run_tagged, status_of, tagged_env, wait_until_gone
from support import write_lines

NOTEBOOK = Path(__file__).parent / "notebooks" / "hostile.ipynb"
EXPECTED = {  # value -> (status, error name); see the notebook's cell 2
    "ok": ("ok", None),
    "sigkill": ("dead-kernel", None),
    "oom": ("cell-error", "MemoryError"),   # the kernel survives RLIMIT_AS: the error shows in place
    "popen": ("ok", None),
    "bigout": ("ok", None),
    "input": ("cell-error", "StdinNotImplementedError"),
}
FAULT_CELL = 3  # in the executed notebook: parameters, injected-parameters, setup, the fault, the end


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, module_tag):
    tmp = tmp_path_factory.mktemp("hostile")
    markers = tmp / "markers"
    markers.mkdir()
    values = write_lines(tmp / "values.txt", *EXPECTED)
    output = tmp / "out"
    started = time.monotonic()
    code, _, err = run_tagged(["run", NOTEBOOK, values, "--param", "fault", "--output", output, "--jobs", 2],
                              module_tag, tmp / "logs", timeout=240, env=tagged_env(module_tag, JSF_MARKER_DIR=markers))
    ended = time.monotonic()
    # What is still alive right after the CLI returned (kernels get a moment to exit).
    child, loose = map(int, (markers / "popen.pids").read_text().split())
    left = wait_until_gone(module_tag, timeout=5)
    return {"output": output, "code": code, "stderr": err, "seconds": ended - started,
            "child": child, "loose": loose, "left": left}


def notebook(output, job_id):
    return json.loads((output / "runs" / f"{job_id}.ipynb").read_text())


def test_the_sweep_finishes_and_says_which_runs_failed(sweep):
    assert sweep["code"] == 1, sweep["stderr"]
    assert "6 runs: 3 ok, 2 cell-error, 1 dead-kernel" in sweep["stderr"]
    assert "Traceback" not in sweep["stderr"]


@pytest.mark.parametrize("fault", EXPECTED)
def test_each_fault_ends_with_its_status(sweep, fault):
    record = status_of(sweep["output"], fault)
    status, ename = EXPECTED[fault]
    assert record["status"] == status, record
    if ename:
        assert record["ename"] == ename
    if status != "ok":
        assert record["cell_index"] == FAULT_CELL


@pytest.mark.parametrize("fault", ["sigkill", "oom", "input"])
def test_a_failed_run_keeps_its_partial_notebook_up_to_the_failing_cell(sweep, fault):
    nb = notebook(sweep["output"], fault)
    cells = nb["cells"]
    assert "".join(cells[FAULT_CELL - 1]["outputs"][0]["text"]) == f"started {fault}\n"
    assert cells[-1]["execution_count"] is None and cells[-1]["outputs"] == []
    assert nb["metadata"]["jupyterstream"]["run"]["status"] == EXPECTED[fault][0]
    if fault != "sigkill":  # a dead kernel sends no error; the others show it in place
        assert cells[FAULT_CELL]["outputs"][-1]["ename"] == EXPECTED[fault][1]


def test_the_runs_that_did_nothing_wrong_are_untouched_by_their_neighbours(sweep):
    for fault, (status, _) in EXPECTED.items():
        nb = notebook(sweep["output"], fault)
        assert nb["metadata"]["jupyterstream"]["parameters"] == {"fault": fault}
        if status == "ok":
            assert "".join(nb["cells"][-1]["outputs"][-1]["text"]) == "finished\n"
            metric = nb["cells"][-1]["outputs"][0]["data"]["application/vnd.jupyterstream.metric+json"]
            assert metric["value"] == fault


def test_input_fails_fast(sweep):
    assert status_of(sweep["output"], "input")["duration"] < 30


def test_a_30_mb_output_is_kept_whole_and_the_report_stays_small(sweep):
    output = sweep["output"]
    record = status_of(output, "bigout")
    data = (output / "runs" / "bigout.ipynb").read_bytes()
    assert len(data) > 30 * 1024 * 1024
    assert hashlib.sha256(data).hexdigest() == record["notebook_sha256"]
    printed = "".join(json.loads(data)["cells"][FAULT_CELL]["outputs"][0]["text"])
    assert printed.count("\n") == 30 and len(printed) == 30 * 1024 * 1024
    # The report shows the run, not its 30 MB of text (measured: about 0.3 MB).
    report = output / "report.html"
    assert report.stat().st_size < 2 * 1024 * 1024, report.stat().st_size
    assert "bigout" in report.read_text()
    rows = (output / "runs.csv").read_text().splitlines()
    assert any(r.startswith("bigout,") and ",ok," in r and str(len(data)) in r for r in rows)


def test_a_background_process_started_by_a_cell_is_gone_after_the_sweep(sweep):
    assert sweep["child"] not in sweep["left"], "the cell's `sleep 300` outlived its kernel"


def test_a_background_process_that_left_the_kernels_session_is_gone_after_the_sweep(sweep):
    """Popen(start_new_session=True), as any daemon does: not in the kernel's process group."""
    assert sweep["loose"] not in sweep["left"], "the cell's `sleep 301` (own session) outlived its job"


def test_nothing_the_sweep_started_is_left_running(sweep):
    assert not sweep["left"], f"processes of the sweep still alive after it ended:\n{describe(sweep['left'])}"
