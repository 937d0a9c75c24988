"""jupyterstream.run, load and runs from Python, with real kernels and real GNU parallel."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import jupyterstream
from jupyterstream.errors import ArgumentError, OutputError, ParameterError, ValuesError

from support import NOTEBOOKS, read_status, write_lines


@pytest.fixture
def here(tmp_path, monkeypatch):
    """tmp_path as the current folder, with the test notebooks beside it (as a user's own folder)."""
    for name in ("typed.ipynb", "figure.ipynb", "faults.ipynb"):
        shutil.copy(NOTEBOOKS / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def printed(output, job_id):
    nb = json.loads((Path(output) / "runs" / f"{job_id}.ipynb").read_text())
    return "".join(nb["cells"][-1]["outputs"][0]["text"])


def test_a_list_of_values_with_constants_runs_a_job_each_typed_and_returns_the_runs(here):
    result = jupyterstream.run("typed.ipynb", [1, 2], param="n", parameters={"code": "06", "ratio": 0.25},
                               output="out", jobs=2)
    assert (result.status, result.ok, result.counts) == (0, True, {"ok": 2})
    assert result.report == Path("out/report.html") and result.report.is_file()
    assert printed("out", "2") == "2 0.25 False '06'\n"  # the str constant is never coerced
    frame = result.runs
    assert list(frame.index) == ["1", "2"] and frame.index.name == "job"
    assert frame.loc["2", "params.n"] == 2 and frame.loc["2", "params.code"] == "06"
    assert frame["duration"].dtype.kind == "f" and frame.loc["1", "status"] == "ok"
    assert "<table>" in result._repr_html_() and "2 runs" in result._repr_html_()


def test_a_dict_of_lists_is_a_grid_and_a_list_of_dicts_is_one_job_each(here):
    grid = jupyterstream.run("typed.ipynb", {"n": [1, 2], "flag": [True, False]}, output="grid")
    assert sorted(grid.runs.index) == ["1_False", "1_True", "2_False", "2_True"]
    assert printed("grid", "2_True") == "2 0.5 True '00'\n"
    jobs = jupyterstream.run("typed.ipynb", [{"n": 7, "code": "a"}, {"n": 8, "code": "b"}], output="jobs")
    assert list(jobs.runs.index) == ["7_a", "8_b"] and printed("jobs", "8_b") == "8 0.5 False 'b'\n"


def test_a_dataframe_runs_a_job_a_row_with_numpy_values_as_python_values(here):
    frame = pd.DataFrame({"n": [3, 4], "ratio": [0.5, 1.5]})
    result = jupyterstream.run("typed.ipynb", frame, output="out", warm=False)
    assert result.ok and printed("out", "4_1.5") == "4 1.5 False '00'\n"


def test_load_reads_a_partly_failed_sweep_with_its_metrics_figures_and_errors(here):
    result = jupyterstream.run("figure.ipynb", ["AL", "fail-CA"], output="out")
    assert result.status == 1 and result.counts == {"ok": 1, "cell-error": 1}
    frame = jupyterstream.load("out")
    assert frame.loc["AL", "metrics.n"] == 3 and frame.loc["AL", "params.state"] == "AL"
    assert frame.loc["fail-CA", "status"] == "cell-error"
    assert frame.loc["fail-CA", "error"] == "ValueError: cannot draw fail-CA"
    runs = jupyterstream.runs("out")
    assert runs["AL"].error is None and runs["AL"].notebook.cells[-1].outputs
    [figure] = runs["AL"].figures
    assert figure.mime == "image/png" and figure.data.startswith(b"\x89PNG")
    error = runs["fail-CA"].error
    assert (error.status, error.ename, error.cell) == ("cell-error", "ValueError", 2)
    assert str(error) == "cell-error: cell 2: ValueError: cannot draw fail-CA"


def test_load_reads_a_running_sweep_as_it_stands(here):
    sweep = subprocess.Popen([sys.executable, "-c", "import jupyterstream; jupyterstream.run('faults.ipynb', "
                              "['slow1', 'slow2'], param='fault', output='out', jobs=1)"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not _running(here / "out", "slow1"):
            time.sleep(0.2)
        frame = jupyterstream.load("out")
        assert frame.loc["slow1", "status"] == "running" and frame.loc["slow2", "status"] == "pending"
        assert jupyterstream.runs("out")["slow2"].error is None
    finally:
        sweep.send_signal(signal.SIGTERM)
        sweep.wait(timeout=120)


def _running(output, job_id):
    try:
        return read_status(output, job_id)["status"] == "running"
    except (OSError, ValueError):
        return False


def test_a_values_file_path_or_a_list_of_paths_are_read_as_files(here):
    write_lines(here / "ns.txt", "5")
    write_lines(here / "codes.txt", "x", "y")
    result = jupyterstream.run("typed.ipynb", [Path("ns.txt"), Path("codes.txt")], param="n code", output="out")
    assert sorted(result.runs.index) == ["5_x", "5_y"]
    assert jupyterstream.run("typed.ipynb", "ns.txt", param="n", output="one").counts == {"ok": 1}


@pytest.mark.parametrize("values, options, error, message", [
    (pd.DataFrame({"n": [1], "size": [2]}), {}, ParameterError,
     "typed.ipynb: the notebook has no parameter 'size' (from a DataFrame of 1 row); its parameters cell "
     "defines: n, ratio, flag, code"),
    ([1, {"n": 2}], {"param": "n"}, ValuesError,
     "values[1]: a dict in a list whose first item is the value 1: give a list of values for `param`, or a "
     "list of dicts, one job each"),
    ([1], {"param": "n", "parameters": {"rate": 1}}, ParameterError,
     "typed.ipynb: the notebook has no parameter 'rate' (from parameters); its parameters cell defines: "
     "n, ratio, flag, code"),
    ([{"n": 1, "code": "a"}], {"parameters": {"code": "b"}}, ValuesError,
     "parameters['code']: 'code' is given both as a constant and in the values (values[0]['code']): give it "
     "in one place only"),
    ([1, "x"], {"param": "n"}, ValuesError,
     "values[1]: 'x' is not a valid int for parameter 'n' (its default in the notebook is 1)"),
    ([1], {"param": "n", "parameters": {"ratio": "fast"}}, ValuesError,
     "parameters['ratio']: 'fast' is not a valid float for parameter 'ratio' (its default in the notebook is 0.5)"),
    ([1], {"param": "n", "parameters": {"a b": 1}}, ValuesError,
     "parameters['a b']: 'a b' is not a valid parameter name: use a Python identifier that is not a keyword"),
    ({1, 2}, {"param": "n"}, ArgumentError, "values: a set cannot be values: give a values file's path"),
])
def test_bad_values_raise_the_named_error_the_cli_gives_and_nothing_is_written(here, values, options, error,
                                                                                message):
    with pytest.raises(error) as caught:
        jupyterstream.run("typed.ipynb", values, output="out", **options)
    assert str(caught.value).startswith(message)
    assert not (here / "out").exists()
    frames = [os.path.basename(entry.co_filename) for entry in _frames(caught.value.__traceback__)]
    assert set(frames) <= {"test_python_api.py", "api.py"}, frames  # nothing from inside


def _frames(tb):
    while tb is not None:
        yield tb.tb_frame.f_code
        tb = tb.tb_next


def test_load_of_a_folder_without_a_sweep_says_to_run_one_first(here):
    with pytest.raises(OutputError, match="no such folder: run a sweep into it first"):
        jupyterstream.load("nowhere")


def test_run_from_a_thread_that_is_not_the_main_one_runs_the_sweep(here):
    import threading
    results, errors = [], []

    def sweep():
        try:
            results.append(jupyterstream.run("typed.ipynb", [1, 2], param="n", output="threaded", jobs=2,
                                             progress=False))
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever the thread raised
            errors.append(exc)
    worker = threading.Thread(target=sweep)
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive() and errors == []
    assert results[0].ok and results[0].counts == {"ok": 2}
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the main thread's handling is untouched


def test_batch_sets_how_many_values_each_job_runs_and_a_bad_one_is_named(here):
    result = jupyterstream.run("typed.ipynb", [1, 2, 3, 4], param="n", output="batched", jobs=1, batch=2,
                               progress=False)
    assert result.ok and result.counts == {"ok": 4}
    rows = [line for line in Path("batched/joblog.tsv").read_text().splitlines() if "run-one" in line]
    assert len(rows) == 2  # two jobs of two values each
    with pytest.raises(ArgumentError, match="batch: -1 is not a number of values a job"):
        jupyterstream.run("typed.ipynb", [1], param="n", output="bad", batch=-1)
    assert not Path("bad").exists()
