"""Batches keep every value's own guarantees: the real CLI, GNU parallel, nbconvert and kernels run a tiny
notebook over values that raise, time out, kill their kernel or are stopped, several values to a job."""

import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from support import CLI, REPO, read_status, run_cli, write_lines

FAULTS = """\
import os, pathlib, signal, time
from jupyterstream import record
if os.environ.get("JSB_COUNTS"):
    with open(os.path.join(os.environ["JSB_COUNTS"], fault), "a") as counts:
        counts.write("ran\\n")
if fault == "raise":
    raise ValueError("boom " + fault)
if fault == "sleep":
    time.sleep(120)
if fault == "die":
    os.kill(os.getpid(), signal.SIGKILL)
if fault == "hold" and not os.environ.get("JSB_RELEASE"):
    pathlib.Path(os.environ["JSB_HELD"]).write_text("held")
    time.sleep(120)
print("value", fault)
# what a one-value job's kernel has: its own job id and partial notebook, and no variable of the batch's
print("env", sorted(k for k in os.environ if k.startswith("JUPYTERSTREAM") and "WARM" not in k and "KERNEL" not in k))
print("job", os.environ.get("JUPYTERSTREAM_JOB"), os.path.basename(os.environ.get("JUPYTERSTREAM_PARTIAL", "")))
record("twice", len(fault) * 2)
"""
MIXED = ["ok1", "raise", "ok2", "sleep", "ok3", "die", "ok4"]
JOB_TIMEOUT = 6


def faults_notebook(path):
    parameters = new_code_cell('fault = "ok"')
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[parameters, new_code_cell(FAULTS)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def sweep(tmp, name, values, *options, env=None):
    """One real sweep of the faults notebook: (exit code, output folder, stderr)."""
    notebook = faults_notebook(tmp / "faults.ipynb")
    table = write_lines(tmp / f"{name}.txt", *values)
    output = tmp / name
    result = run_cli("run", notebook, table, "--param", "fault", "--output", output, *options,
                     timeout=300, env=dict(os.environ, **(env or {})))
    return result.returncode, output, result.stderr


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The mixed values in one batch of seven, warm and cold, and one value a job (warm)."""
    tmp = tmp_path_factory.mktemp("batches")
    runs = {}
    for name, options in {"warm": ["--warm-kernels"], "cold": ["--cold-kernels"]}.items():
        runs[name] = sweep(tmp, name, MIXED, "--batch", 7, "--jobs", 1, "--job-timeout", JOB_TIMEOUT, *options)
    runs["single"] = sweep(tmp, "single", [v for v in MIXED if v != "sleep"], "--batch", 1, "--jobs", 2)
    return runs


def joblog_rows(output):
    lines = (output / "joblog.tsv").read_text().splitlines()
    return [line.split("\t") for line in lines if not line.startswith("Seq\t")]


def outputs(output, job_id):
    """What a run's cells showed, without their timings."""
    nb = json.loads((output / "runs" / f"{job_id}.ipynb").read_text())
    return [[{k: v for k, v in o.items() if k != "execution_count"} for o in c.get("outputs", [])] for c in nb["cells"]]


@pytest.mark.parametrize("kind", ["warm", "cold"])
def test_each_failure_in_a_batch_is_recorded_alone_and_the_others_are_ok(mixed, kind):
    code, output, err = mixed[kind]
    assert code == 1, err
    assert len(joblog_rows(output)) == 1, "all seven values ran in one job"
    statuses = {v: read_status(output, v)["status"] for v in MIXED}
    assert statuses == {"ok1": "ok", "raise": "cell-error", "ok2": "ok", "sleep": "job-timeout", "ok3": "ok",
                        "die": "dead-kernel", "ok4": "ok"}, err
    assert read_status(output, "raise")["ename"] == "ValueError"


def test_the_job_timeout_holds_each_value_of_a_batch_not_the_batch(mixed):
    code, output, err = mixed["warm"]
    slept = read_status(output, "sleep")
    assert JOB_TIMEOUT <= slept["duration"] < JOB_TIMEOUT + 5, slept
    assert "job timeout" in slept["message"], slept
    assert read_status(output, "ok4")["status"] == "ok"  # it ran after the whole batch passed the job timeout
    runtime = float(joblog_rows(output)[0][3])
    assert runtime > JOB_TIMEOUT, runtime


def test_each_value_of_a_batch_has_its_own_log_record_and_notebook(mixed):
    _, output, _ = mixed["warm"]
    assert "boom raise" in (output / "logs" / "raise.log").read_text()
    assert "boom" not in (output / "logs" / "ok2.log").read_text()
    for value in MIXED:
        record = read_status(output, value)
        assert record["job"] == value and record["log"] == f"logs/{value}.log"
        assert record["notebook"] == f"runs/{value}.ipynb"
    assert {read_status(output, v)["kernel"] for v in MIXED} == {"warm"}
    assert not list((output / "runs").glob(".*")), "no partial notebook is left behind"


def test_each_value_of_a_batch_has_its_own_job_variables_and_none_of_the_batchs(mixed):
    _, output, _ = mixed["warm"]
    text = "".join("".join(o.get("text", "")) for cell in outputs(output, "ok3") for o in cell)
    assert "job ok3 .ok3.partial.ipynb" in text, text
    assert "JUPYTERSTREAM_BATCH" not in text, text


def test_warm_cold_and_one_value_a_job_give_the_same_runs(mixed):
    warm, cold, single = (mixed[k][1] for k in ("warm", "cold", "single"))
    for value in MIXED:
        if value == "sleep":
            continue
        assert read_status(warm, value)["status"] == read_status(cold, value)["status"] == \
               read_status(single, value)["status"]
        if value.startswith("ok"):
            assert outputs(warm, value) == outputs(cold, value) == outputs(single, value)
    assert len(joblog_rows(single)) == 6, "BATCH=1: one job a value"


def test_preview_with_batch_1_prints_todays_one_value_a_job_lines(tmp_path):
    notebook = faults_notebook(tmp_path / "faults.ipynb")
    table = write_lines(tmp_path / "v.txt", *[f"v{i}" for i in range(30)])
    one = run_cli("preview", notebook, table, "--param", "fault", "--output", tmp_path / "out", "--batch", 1)
    many = run_cli("preview", notebook, table, "--param", "fault", "--output", tmp_path / "out", "--batch", 10)
    assert one.returncode == 0 and many.returncode == 0, one.stderr + many.stderr
    assert "batches: none" in one.stdout and " -X " not in one.stdout and "--output .v0.partial" in one.stdout
    assert "batches: 10 values a job" in many.stdout and "--max-args 10 -X" in many.stdout
    # a batch's ids are the one word parallel replaces; run-one names their notebooks where .batch-inputs stands
    assert "run-one" in many.stdout and " v0 v1 v2 v3 v4 v5 v6 v7 v8 v9 " in many.stdout
    assert f"{tmp_path}/out/inputs/.batch-inputs.ipynb" in many.stdout and "inputs/v9.ipynb" not in many.stdout


def stopped_mid_batch(tmp, name, how):
    """A sweep of five values in one batch, whose run-one gets ``how`` while 'hold' runs; then a rerun.
    Returns (output, counts of runs per value, the first and the second sweep's exit codes)."""
    counts, held = tmp / f"{name}-counts", tmp / f"{name}-held"
    counts.mkdir()
    notebook = faults_notebook(tmp / "faults.ipynb")
    table = write_lines(tmp / f"{name}.txt", "a", "b", "hold", "c", "d")
    output = tmp / name
    argv = [str(CLI), "run", str(notebook), str(table), "--param", "fault", "--output", str(output),
            "--batch", "5", "--jobs", "1"]
    env = dict(os.environ, JSB_COUNTS=str(counts), JSB_HELD=str(held))
    first = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not held.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert held.exists(), "the held value never started"
    os.kill(read_status(output, "hold")["pid"], how)
    first.communicate(timeout=120)
    first_code = first.returncode
    first_records = {v: _status_or_none(output, v) for v in ("a", "b", "hold", "c", "d")}
    first_records["run folders left"] = sorted(p.name for p in (output / ".work").glob("*"))
    second = run_cli(*argv[1:], env=dict(env, JSB_RELEASE="1"))
    ran = {p.name: len(p.read_text().splitlines()) for p in counts.iterdir()}
    return output, first_records, ran, (first_code, second.returncode)


def _status_or_none(output, job_id):
    path = Path(output) / "status" / f"{job_id}.json"
    return json.loads(path.read_text())["status"] if path.exists() else None


def test_after_kill_9_mid_batch_a_rerun_runs_each_value_once(tmp_path):
    output, first, ran, codes = stopped_mid_batch(tmp_path, "killed", signal.SIGKILL)
    assert first["a"] == first["b"] == "ok" and first["c"] is None and first["d"] is None, first
    assert "a" not in first["run folders left"] and "b" not in first["run folders left"], first
    assert codes[1] == 0
    assert ran == {"a": 1, "b": 1, "hold": 2, "c": 1, "d": 1}, ran
    assert all(read_status(output, v)["status"] == "ok" for v in ("a", "b", "hold", "c", "d"))


def test_a_value_interrupted_mid_batch_is_recorded_alone_and_the_rest_wait_for_the_next_run(tmp_path):
    output, first, ran, codes = stopped_mid_batch(tmp_path, "stopped", signal.SIGTERM)
    assert first == {"a": "ok", "b": "ok", "hold": "interrupted", "c": None, "d": None, "run folders left": []}, first
    assert codes[1] == 0
    assert ran == {"a": 1, "b": 1, "hold": 2, "c": 1, "d": 1}, ran


def test_a_sweep_that_one_batch_a_slot_holds_runs_one_job_a_slot_with_no_third_job_for_the_tail(tmp_path):
    # 10 values in batches of 5 at two slots: parallel -X, handed 5 at a time, runs 5, 3 and 2 (three
    # nbconvert starts); handed all 10, it spreads them as 5 and 5
    values = [f"ok{i}" for i in range(10)]
    code, output, stderr = sweep(tmp_path, "spread", values, "--batch", 5, "--jobs", 2)
    assert code == 0, stderr
    ids_a_job = sorted(sum(word in values for word in shlex.split(row[-1])) for row in joblog_rows(output))
    assert ids_a_job == [5, 5]
    assert all(read_status(output, value)["status"] == "ok" for value in values)
