"""papermill's parameter contract in Python, one tiny notebook per behaviour (tests/compat/python/),
each run through a real sweep and checked in the executed notebook."""

import json
import subprocess
from pathlib import Path

from support import REPO, read_status, run_cli

from jupyterstream.runner.record import MIME_TYPE

CORPUS = Path(__file__).resolve().parent / "python"
WARNING = "no cell is tagged 'parameters'"


def sweep(tmp_path, notebook, values_name, text, *options):
    """Run NOTEBOOK over a values file holding TEXT; return (result, {job id: (texts, run notebook)})."""
    values = tmp_path / values_name
    values.write_text(text, encoding="utf-8")
    output = tmp_path / "out"
    result = run_cli("run", CORPUS / notebook, values, "--output", output, *options)
    return result, runs_of(output)


def runs_of(output):
    """{job id: (its texts, its executed notebook as JSON)} for every planned job that ran."""
    plan_file = Path(output) / "plan.json"
    if not plan_file.exists():
        return {}
    runs = {}
    for job in json.loads(plan_file.read_text())["jobs"]:
        run = Path(output) / "runs" / f"{job['id']}.ipynb"
        if run.exists():
            runs[job["id"]] = (job["texts"], json.loads(run.read_text()))
    return runs


def metrics(nb):
    """{name: value} of everything the run recorded."""
    return {o["data"][MIME_TYPE]["name"]: o["data"][MIME_TYPE]["value"] for c in nb["cells"]
            for o in c.get("outputs", []) if MIME_TYPE in o.get("data", {})}


def only_run(runs):
    assert len(runs) == 1
    return next(iter(runs.values()))[1]


def test_untyped_defaults_get_papermills_inferred_types_so_false_is_false(tmp_path):
    result, runs = sweep(tmp_path, "untyped_defaults.ipynb", "grid.csv", "threshold,run_fast\n3,False\n")
    assert result.returncode == 0, result.stderr
    assert metrics(only_run(runs)) == {"threshold": 3, "threshold_type": "int", "run_fast_type": "bool"}


def test_executed_notebook_carries_the_runs_parameters_for_scrapbook_and_papermill(tmp_path):
    import scrapbook

    result, runs = sweep(tmp_path, "untyped_defaults.ipynb", "grid.csv", "threshold,run_fast\n3,False\n7,True\n")
    assert result.returncode == 1  # run_fast=True raises in the notebook, by design
    for job_id, (texts, nb) in runs.items():
        expected = {"threshold": int(texts["threshold"]), "run_fast": texts["run_fast"] == "True"}
        assert nb["metadata"]["papermill"]["parameters"] == expected
        assert nb["metadata"]["jupyterstream"]["parameters"] == expected
        assert scrapbook.read_notebook(str(tmp_path / "out" / "runs" / f"{job_id}.ipynb")).parameters == expected


def test_a_parameters_cell_with_shell_and_line_magics_runs_and_gets_its_value(tmp_path):
    result, runs = sweep(tmp_path, "ipython_magics.ipynb", "limits.txt", "7\n", "--param", "limit")
    assert result.returncode == 0, result.stderr
    assert metrics(only_run(runs)) == {"limit": 7, "limit_type": "int", "greeting": "hi", "files_is_list": True}


def test_a_parameters_cell_under_a_capture_cell_magic_runs_and_gets_its_value(tmp_path):
    result, runs = sweep(tmp_path, "capture_magic.ipynb", "limits.txt", "8\n", "--param", "limit")
    assert result.returncode == 0, result.stderr
    assert metrics(only_run(runs)) == {"limit": 8}


def test_tuple_annotated_chained_and_starred_parameters_each_take_their_value(tmp_path):
    result, runs = sweep(tmp_path, "assignment_forms.ipynb", "grid.csv", "lo,hi,alpha,b,rest\n2,5,0.25,7,[4]\n")
    assert result.returncode == 0, result.stderr
    assert metrics(only_run(runs)) == {"lo": 2, "hi": 5, "alpha": 0.25, "a": 1, "b": 7, "first": 1, "rest": [4]}


def test_a_notebook_whose_kernel_is_named_python_runs(tmp_path):
    result, runs = sweep(tmp_path, "kernel_named_python.ipynb", "states.txt", "AL\n")
    assert result.returncode == 0, result.stderr
    assert metrics(only_run(runs)) == {"value": "AL", "python": 3}


def test_a_seed_notebook_without_parameters_cell_runs_through_make_run_with_one_warning(tmp_path):
    values = tmp_path / "states.txt"
    values.write_text("CA\nNew York\n", encoding="utf-8")
    output = tmp_path / "out"
    result = subprocess.run(["make", "--no-print-directory", "run", f"NOTEBOOK={CORPUS / 'seed_environment.ipynb'}",
                             f"VALUES={values}", f"OUTPUT={output}", "PARAM=state"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if WARNING in line] == [
        f"jupyterstream: warning: {CORPUS / 'seed_environment.ipynb'}: {WARNING}: each run's values go in a cell "
        "injected at the top and in environment variables, as text (it reads: state, year)"]
    runs = runs_of(output)
    assert {texts["state"]: metrics(nb) for texts, nb in runs.values()} == {
        "CA": {"state": "CA", "year": "none"}, "New York": {"state": "New York", "year": "none"}}
    for job_id, (_, nb) in runs.items():
        assert nb["cells"][0]["metadata"]["tags"] == ["injected-parameters"]
        assert read_status(output, job_id)["status"] == "ok"


def test_a_seed_notebooks_values_arrive_as_text_and_preview_warns_too(tmp_path):
    preview = run_cli("preview", CORPUS / "seed_environment.ipynb", _write(tmp_path / "grid.csv", "state,year\nCA,06\n"),
                      "--output", tmp_path / "out")
    assert preview.returncode == 0 and WARNING in preview.stderr and WARNING not in preview.stdout
    result, runs = sweep(tmp_path, "seed_environment.ipynb", "grid.csv", "state,year\nCA,06\n")
    assert result.returncode == 0, result.stderr
    assert metrics(only_run(runs)) == {"state": "CA", "year": "06"}


def test_a_column_a_seed_notebook_never_reads_is_refused_before_any_job(tmp_path):
    result, runs = sweep(tmp_path, "seed_environment.ipynb", "grid.csv", "state,county\nCA,King\n")
    assert result.returncode == 2 and runs == {}
    assert "grid.csv: the column 'county' reaches nothing in" in result.stderr
    assert "(it reads: state, year)" in result.stderr


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_make_inspect_lists_each_parameter_with_its_type_default_and_comment():
    result = subprocess.run(["make", "--no-print-directory", "inspect", f"NOTEBOOK={CORPUS / 'untyped_defaults.ipynb'}"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "threshold inferred None a count, or None for no limit" in rows
    assert "run_fast inferred 1 > 2 skip the slow part" in rows
    assert rows[-1] == "reads from the environment: nothing (by a constant name)"
