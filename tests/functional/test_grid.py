"""A grid from several values files, through make and the CLI: every combination is one job."""

import json
import subprocess

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from support import REPO, read_status, run_cli, write_lines


def grid_notebook(path):
    """A notebook with parameters state and year that prints what it received."""
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_code_cell("state = 'CA'\nyear = 2000\n", metadata={"tags": ["parameters"]}),
                new_code_cell("print(repr(state), repr(year))")]
    nbformat.write(nb, str(path))
    return path


def make(*args):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600)


def printed(output, job_id):
    nb = json.loads((output / "runs" / f"{job_id}.ipynb").read_text())
    return "".join(nb["cells"][-1]["outputs"][0]["text"])


def test_make_run_with_two_values_files_and_two_params_runs_every_combination(tmp_path):
    states = write_lines(tmp_path / "states.txt", "AL", "CA")
    years = write_lines(tmp_path / "years.txt", "1990", "2000")
    output = tmp_path / "out"
    result = make("run", f"NOTEBOOK={grid_notebook(tmp_path / 'nb.ipynb')}", f"VALUES={states} {years}",
                  "PARAM=state year", f"OUTPUT={output}")
    assert result.returncode == 0, result.stderr
    ids = [job["id"] for job in json.loads((output / "plan.json").read_text())["jobs"]]
    assert ids == ["AL_1990", "AL_2000", "CA_1990", "CA_2000"]
    for job_id in ids:
        assert read_status(output, job_id)["status"] == "ok"
    assert printed(output, "CA_1990") == "'CA' 1990\n"


def test_make_preview_takes_one_file_whose_name_has_spaces_whole(tmp_path):
    states = write_lines(tmp_path / "my states.txt", "AL", "CA")
    result = make("preview", f"NOTEBOOK={grid_notebook(tmp_path / 'nb.ipynb')}", f"VALUES={states}",
                  f"OUTPUT={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr
    assert "# 2 jobs planned" in result.stdout and "a grid" not in result.stdout


def test_make_preview_takes_several_files_with_spaces_separated_by_triple_colons(tmp_path):
    states = write_lines(tmp_path / "my states.txt", "AL", "CA")
    years = write_lines(tmp_path / "my years.txt", "1990")
    result = make("preview", f"NOTEBOOK={grid_notebook(tmp_path / 'nb.ipynb')}", f"VALUES={states} ::: {years}",
                  "PARAM=state year", f"OUTPUT={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr
    assert f"# a grid of every combination: {states} (2) × {years} (1)" in result.stdout
    assert " AL_1990 " in result.stdout and " CA_1990 " in result.stdout


def test_the_cli_takes_several_values_files_and_a_param_option_each(tmp_path):
    states, years = write_lines(tmp_path / "s.txt", "AL"), write_lines(tmp_path / "y.txt", "1990", "2000")
    result = run_cli("preview", grid_notebook(tmp_path / "nb.ipynb"), states, years, "--param", "state",
                     "--param", "year", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "# 2 jobs planned" in result.stdout and " AL_2000 " in result.stdout


def test_a_bad_value_in_the_second_file_is_refused_naming_that_file_and_line(tmp_path):
    states, years = write_lines(tmp_path / "s.txt", "AL"), write_lines(tmp_path / "y.txt", "1990", "20x0")
    result = run_cli("run", grid_notebook(tmp_path / "nb.ipynb"), states, years, "--param", "state year",
                     "-o", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{years}:2: '20x0' is not a valid int for parameter 'year'" in result.stderr
    assert not (tmp_path / "out" / "runs").exists()
