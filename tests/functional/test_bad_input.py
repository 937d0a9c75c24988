"""Bad values files and bad notebooks get a clear error naming the file and line; nothing runs."""

import json

import pytest

from support import NOTEBOOKS, run_cli


def assert_refused(result, output, *fragments):
    assert result.returncode == 2, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert not (output / "runs").exists()


def test_a_duplicate_value_is_refused_with_both_lines(tmp_path, values):
    path = values("AL", "# comment", "CA", "AL")
    result = run_cli("run", NOTEBOOKS / "echo.ipynb", path, "-o", tmp_path / "out")
    assert_refused(result, tmp_path / "out", f"{path}:4", "duplicate of line 1")


def test_an_empty_values_file_is_refused(tmp_path, values):
    path = values("# only a comment", "")
    result = run_cli("run", NOTEBOOKS / "echo.ipynb", path, "-o", tmp_path / "out")
    assert_refused(result, tmp_path / "out", str(path), "no values")


def test_a_value_that_does_not_convert_names_line_and_parameter(tmp_path):
    table = tmp_path / "grid.csv"
    table.write_text("n,ratio,flag,code\n7,0.25,yes,06\nseven,0.5,no,07\n")
    result = run_cli("run", NOTEBOOKS / "typed.ipynb", table, "-o", tmp_path / "out")
    assert_refused(result, tmp_path / "out", f"{table}:3", "'seven' is not a valid int for parameter 'n'")


def test_an_unknown_parameter_lists_the_known_ones(tmp_path):
    table = tmp_path / "grid.csv"
    table.write_text("county\nKing\n")
    result = run_cli("run", NOTEBOOKS / "echo.ipynb", table, "-o", tmp_path / "out")
    assert_refused(result, tmp_path / "out", "no parameter 'county'", "defines: state")


def test_a_notebook_without_a_parameters_cell_is_refused(tmp_path, values):
    result = run_cli("run", NOTEBOOKS / "no_parameters.ipynb", values("AL"), "-o", tmp_path / "out")
    assert_refused(result, tmp_path / "out", "no_parameters.ipynb", "no cell is tagged 'parameters'")


def test_a_truncated_notebook_is_refused(tmp_path, values):
    broken = tmp_path / "broken.ipynb"
    broken.write_text((NOTEBOOKS / "echo.ipynb").read_text()[:200])
    result = run_cli("run", broken, values("AL"), "-o", tmp_path / "out")
    assert_refused(result, tmp_path / "out", str(broken), "not valid JSON")


def test_a_notebook_whose_kernel_is_not_installed_is_refused_before_any_job(tmp_path, values):
    nb = json.loads((NOTEBOOKS / "echo.ipynb").read_text())
    nb["metadata"]["kernelspec"]["name"] = "no-such-kernel"
    path = tmp_path / "other.ipynb"
    path.write_text(json.dumps(nb))
    result = run_cli("run", path, values("AL"), "-o", tmp_path / "out")
    assert result.returncode == 3 and "'no-such-kernel' is not installed" in result.stderr
    assert not (tmp_path / "out" / "runs").exists()


@pytest.mark.parametrize("command", ["preview", "plan"])
def test_preview_and_plan_check_the_input_too(tmp_path, values, command):
    result = run_cli(command, NOTEBOOKS / "echo.ipynb", values("AL", "AL"), "-o", tmp_path / "out")
    assert result.returncode == 2 and "duplicate of line 1" in result.stderr


def test_a_cell_nested_too_deeply_to_read_is_the_kernels_to_report_not_a_crash_before_the_sweep(tmp_path, values):
    import nbformat
    nb = nbformat.read(NOTEBOOKS / "echo.ipynb", 4)
    nb.cells.append(nbformat.v4.new_code_cell("x = " + "-" * 200_000 + "1"))
    notebook = tmp_path / "deep.ipynb"
    nbformat.write(nb, notebook)
    result = run_cli("run", notebook, values("AL"), "-o", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    status = json.loads((tmp_path / "out" / "status" / "AL.json").read_text())
    assert status["status"] == "cell-error"


@pytest.mark.parametrize("command", ["run", "preview"])
def test_a_draw_timeout_that_is_not_seconds_is_refused_before_any_job_runs(tmp_path, values, command):
    import os
    env = dict(os.environ, JUPYTERSTREAM_DRAW_TIMEOUT="soon")
    result = run_cli(command, NOTEBOOKS / "echo.ipynb", values("AL"), "-o", tmp_path / "out", env=env)
    assert_refused(result, tmp_path / "out", "JUPYTERSTREAM_DRAW_TIMEOUT='soon' is not a number of seconds")
