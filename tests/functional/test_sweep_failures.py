"""One sweep over runs that fail in every way: each ends with the right status, keeps its
partial notebook, and the other runs of the same sweep finish."""

import csv
import json

import pytest

from support import NOTEBOOKS, read_status, run_cli

FAULTS = {  # value -> (status, exit code of run-one)
    "ok": ("ok", 0),
    "raise": ("cell-error", 1),
    "sleep": ("cell-timeout", 2),
    "die": ("dead-kernel", 4),
    "exit": ("stopped-early", 5),
    "input": ("cell-error", 1),
}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Run the faults notebook over every fault once, with a 4 s cell timeout."""
    tmp = tmp_path_factory.mktemp("faults")
    (tmp / "values.txt").write_text("\n".join(FAULTS) + "\n")
    result = run_cli("run", NOTEBOOKS / "faults.ipynb", tmp / "values.txt", "--param", "fault",
                     "--output", tmp / "out", "--cell-timeout", 4, "--jobs", 2)
    return tmp / "out", result


@pytest.mark.parametrize("fault", FAULTS)
def test_each_run_ends_with_its_status_and_exit_code(sweep, fault):
    output, _ = sweep
    record = read_status(output, fault)
    assert (record["status"], record["exit_code"]) == FAULTS[fault]
    assert record["duration"] > 0 and record["host"]


def test_the_sweep_exits_non_zero_and_says_which_runs_failed(sweep):
    _, result = sweep
    assert result.returncode == 1, result.stderr
    assert "6 runs: 1 ok" in result.stderr
    assert "cell-error" in result.stderr and "ValueError: bad value raise" in result.stderr


@pytest.mark.parametrize("fault", ["raise", "sleep", "die", "exit"])
def test_a_failed_run_keeps_its_partial_notebook_up_to_the_failure(sweep, fault):
    output, _ = sweep
    nb = json.loads((output / "runs" / f"{fault}.ipynb").read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    first_output = "".join(cells[2]["outputs"][0]["text"])
    assert first_output == f"started {fault}\n"
    assert cells[-1]["outputs"] == [] and cells[-1]["execution_count"] is None
    assert nb["metadata"]["jupyterstream"]["run"]["status"] == FAULTS[fault][0]


def test_a_cell_error_records_the_cell_and_the_error_in_place(sweep):
    output, _ = sweep
    record = read_status(output, "raise")
    assert (record["cell_index"], record["ename"], record["evalue"]) == (4, "ValueError", "bad value raise")
    assert not any("\x1b[" in line for line in record["traceback"])
    nb = json.loads((output / "runs" / "raise.ipynb").read_text())
    assert nb["cells"][4]["outputs"][-1]["output_type"] == "error"


def test_input_fails_fast_instead_of_hanging(sweep):
    output, _ = sweep
    record = read_status(output, "input")
    assert record["ename"] == "StdinNotImplementedError" and record["duration"] < 30


def test_no_temporary_file_is_left_behind(sweep):
    output, _ = sweep
    leftovers = [p.name for p in output.rglob("*") if p.name.endswith(".tmp") or ".partial" in p.name]
    assert leftovers == []


def test_the_report_lists_each_failure_with_its_cell_and_error(sweep):
    output, _ = sweep
    html = (output / "report.html").read_text()
    assert "bad value raise" in html and "dead-kernel" in html and "stopped-early" in html
    with open(output / "runs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["job"]: r["status"] for r in rows} == {k: v[0] for k, v in FAULTS.items()}
    assert {r["error"] for r in rows if r["job"] == "raise"} == {"ValueError: bad value raise"}
