"""`make run` over an R notebook (IRkernel) and a bash notebook (bash_kernel): nasty values arrive
exactly, in the injected cell and the environment, nothing they spell out runs, a failing cell is
reported with the kernel's own error, and an R notebook's scraps and metrics reach metrics.csv."""

import csv
import json
import subprocess

import pytest

from support import NOTEBOOKS, REPO


def nasty(marker):
    """Values that would run code if R or bash ever read them as code."""
    return [f"a \"q\" 'x' \\ $(touch {marker}) `touch {marker}`\nline2\t\u00e9\U0001f600 !x",
            f"'); system(\"touch {marker}\") #",
            f"'; touch {marker} #\"; system('touch {marker}'); \""]


def sweep(tmp_path, notebook, header, rows):
    """Write the values as CSV, run `make run` on them; return (output folder, result, runs by value)."""
    table, output = tmp_path / "values.csv", tmp_path / "out"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    result = subprocess.run(["make", "--no-print-directory", "run", f"NOTEBOOK={notebook}", f"VALUES={table}",
                             f"OUTPUT={output}"], cwd=REPO, capture_output=True, text=True, timeout=600)
    with open(output / "runs.csv", newline="", encoding="utf-8") as handle:
        runs = {row["job"]: row for row in csv.DictReader(handle)}
    plan = json.loads((output / "plan.json").read_text())
    by_value = {job["texts"]["state"]: dict(runs[job["id"]], id=job["id"]) for job in plan["jobs"]}
    return output, result, by_value


@pytest.fixture(scope="module")
def r_sweep(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("r-sweep")
    marker = tmp_path / "pwned"
    values = nasty(marker)
    rows = [[values[0], "FALSE", "2"], [values[1], "FALSE", "3"], [values[2], "TRUE", "4"]]
    return (*sweep(tmp_path, NOTEBOOKS / "r_echo.ipynb", ["state", "fail", "repeats"], rows), values, marker)


@pytest.fixture(scope="module")
def bash_sweep(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bash-sweep")
    marker = tmp_path / "pwned"
    values = nasty(marker)
    rows = [[values[0], "no"], [values[1], "no"], [values[2], "yes"]]
    return (*sweep(tmp_path, NOTEBOOKS / "bash_echo.ipynb", ["state", "fail"], rows), values, marker)


def test_r_sweep_values_reach_irkernel_exactly_as_values_and_environment_and_nothing_runs(r_sweep):
    output, result, runs, values, marker = r_sweep
    assert result.returncode != 0 and "3 runs: 2 ok, 1 cell-error" in result.stderr, result.stderr
    with open(output / "metrics.csv", newline="", encoding="utf-8") as handle:
        metrics = {row["job"]: row for row in csv.DictReader(handle)}
    for value in values:
        row = metrics[runs[value]["id"]]
        assert row["metrics.codepoints"] == " ".join(str(ord(c)) for c in value)
        assert row["metrics.value"] == value and row["metrics.env"] == value
    assert not marker.exists()


def test_r_sweep_collects_scrapbook_scraps_and_jupyterstream_metrics(r_sweep):
    output, _, runs, values, _ = r_sweep
    with open(output / "metrics.csv", newline="", encoding="utf-8") as handle:
        metrics = {row["job"]: row for row in csv.DictReader(handle)}
    assert {metrics[runs[v]["id"]]["metrics.repeats"] for v in values} == {"2", "3", "4"}
    assert {metrics[runs[v]["id"]]["metrics.repeats_is_integer"] for v in values} == {"True"}


def test_r_sweep_reports_the_failing_cell_with_the_r_error(r_sweep):
    _, result, runs, values, _ = r_sweep
    assert [runs[v]["status"] for v in values] == ["ok", "ok", "cell-error"]
    assert runs[values[2]]["cell"] == "3"
    assert f"failing on purpose for {len(values[2])} characters" in runs[values[2]]["error"]
    assert "2 ok, 1 cell-error" in result.stderr


def _bytes_seen(output, job_id):
    """{label: hex} from the lines 'value=HEX', 'child=HEX' and 'environ=HEX' the bash notebook prints."""
    nb = json.loads((output / "runs" / f"{job_id}.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for o in nb["cells"][2]["outputs"] if o["output_type"] == "stream")
    return dict(line.strip().split("=", 1) for line in text.splitlines() if "=" in line)


def test_bash_sweep_values_reach_bash_its_environment_and_children_exactly_and_nothing_runs(bash_sweep):
    output, result, runs, values, marker = bash_sweep
    assert result.returncode != 0 and "3 runs: 2 ok, 1 cell-error" in result.stderr, result.stderr
    for value in values:
        seen = _bytes_seen(output, runs[value]["id"])
        assert seen == {"value": value.encode().hex(), "child": value.encode().hex(),
                        "environ": value.encode().hex()}
    assert not marker.exists()


def test_bash_sweep_reports_the_failing_cell_with_its_exit_status_and_message(bash_sweep):
    _, result, runs, values, _ = bash_sweep
    assert [runs[v]["status"] for v in values] == ["ok", "ok", "cell-error"]
    assert runs[values[2]]["cell"] == "3"
    assert runs[values[2]]["error"] == "Error: exit status 1: failing on purpose"
