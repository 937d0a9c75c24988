"""Values typed on the command line (':::' and '::::', as GNU parallel's) and constants (-p, make's P=),
through the CLI and make, with real kernels and GNU parallel."""

import json
import subprocess

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from support import NOTEBOOKS, REPO, read_status, run_cli, write_lines


def sweep_notebook(path):
    """A notebook with parameters state, k and alpha that prints what it received."""
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_code_cell("state = 'XX'\nk = 1\nalpha = 0.0\n", metadata={"tags": ["parameters"]}),
                new_code_cell("print(repr(state), repr(k), repr(alpha))")]
    nbformat.write(nb, str(path))
    return path


def make(*args):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600)


def printed(output, job_id):
    nb = json.loads((output / "runs" / f"{job_id}.ipynb").read_text())
    return "".join(nb["cells"][-1]["outputs"][0]["text"])


def job_ids(output):
    return [job["id"] for job in json.loads((output / "plan.json").read_text())["jobs"]]


def test_run_with_values_after_triple_colons_and_a_dash_p_constant_runs_one_job_a_value(tmp_path):
    output = tmp_path / "out"
    result = run_cli("run", NOTEBOOKS / "typed.ipynb", "--param", "n", ":::", "1", "2", "-p", "code", "06",
                     "-p", "ratio", "0.25", "--output", output, "--cold-kernels")
    assert result.returncode == 0, result.stderr
    assert job_ids(output) == ["1", "2"]
    assert printed(output, "2") == "2 0.25 False '06'\n"  # the str constant is never coerced


def test_two_triple_colon_groups_run_every_combination_and_a_value_may_start_with_a_dash(tmp_path):
    output = tmp_path / "out"
    result = run_cli("run", sweep_notebook(tmp_path / "nb.ipynb"), "--param", "state", "--param", "k",
                     "--output", output, "--cold-kernels", "--", ":::", "AL", "CA", ":::", "-1", "2")
    assert result.returncode == 0, result.stderr
    assert sorted(job_ids(output)) == sorted(["AL_-1", "AL_2", "CA_-1", "CA_2"])
    assert printed(output, "CA_-1") == "'CA' -1 0.0\n"


def test_four_colons_name_a_values_file_that_joins_the_grid(tmp_path):
    states = write_lines(tmp_path / "states.txt", "AL", "CA")
    output = tmp_path / "out"
    result = run_cli("run", sweep_notebook(tmp_path / "nb.ipynb"), "--param", "state k", "--output", output,
                     "--cold-kernels", "::::", states, ":::", "3")
    assert result.returncode == 0, result.stderr
    assert job_ids(output) == ["AL_3", "CA_3"] and printed(output, "AL_3") == "'AL' 3 0.0\n"


def test_make_run_takes_inline_values_and_several_constants_in_P(tmp_path):
    output = tmp_path / "out"
    result = make("run", f"NOTEBOOK={sweep_notebook(tmp_path / 'nb.ipynb')}", "VALUES=::: AL CA",
                  "P=k=2 alpha=0.5", f"OUTPUT={output}", "WARM=0")
    assert result.returncode == 0, result.stderr
    assert job_ids(output) == ["AL", "CA"]
    assert read_status(output, "CA")["status"] == "ok"
    assert printed(output, "CA") == "'CA' 2 0.5\n"


def test_make_preview_shows_the_inline_values_and_the_constants(tmp_path):
    result = make("preview", f"NOTEBOOK={sweep_notebook(tmp_path / 'nb.ipynb')}", "VALUES=::: AL CA ::: 1 2",
                  "PARAM=state k", "P=alpha=0.5", f"OUTPUT={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr
    assert "# values: ::: AL CA × ::: 1 2" in result.stdout
    assert "# every job also gets (-p): alpha=0.5" in result.stdout
    assert " AL_1 " in result.stdout and " CA_2 " in result.stdout


def test_make_still_reads_several_files_separated_by_triple_colons_as_files(tmp_path):
    states = write_lines(tmp_path / "my states.txt", "AL")
    years = write_lines(tmp_path / "years.txt", "7")
    result = make("preview", f"NOTEBOOK={sweep_notebook(tmp_path / 'nb.ipynb')}", f"VALUES={states} ::: {years}",
                  "PARAM=state k", f"OUTPUT={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr
    assert f"# a grid of every combination: {states} (1) × {years} (1)" in result.stdout


def refused(tmp_path, *args):
    """Run the CLI with bad input: it must exit 2 with one named error line, run nothing, write nothing."""
    output = tmp_path / "out"
    result = run_cli("run", *args, "--output", output)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and not output.exists()
    return result.stderr.strip()


def test_bad_inline_values_and_constants_are_refused_with_what_to_do(tmp_path):
    nb = sweep_notebook(tmp_path / "nb.ipynb")
    assert refused(tmp_path, nb, "--param", "k", ":::", "1", "x", "3") == (
        "jupyterstream: error: ':::' group 1, value 2: 'x' is not a valid int for parameter 'k' "
        "(its default in the notebook is 1)")
    assert refused(tmp_path, nb, ":::", "AL", ":::") == (
        "jupyterstream: error: ':::' group 2: no values after ':::': give at least one (::: AL CA), "
        "or leave the ':::' out")
    assert refused(tmp_path, nb, ":::", "AL", "-p", "beta", "2") == (
        f"jupyterstream: error: {nb}: the notebook has no parameter 'beta' (from -p); its parameters cell "
        "defines: state, k, alpha")
    assert refused(tmp_path, nb, ":::", "AL", "-p", "state", "CA") == (
        "jupyterstream: error: -p state: 'state' is given both as a constant and in the values "
        "(':::' group 1, value 1): give it in one place only")
    assert refused(tmp_path, nb, ":::", "AL", "-p", "k-1", "2") == (
        "jupyterstream: error: -p 'k-1': 'k-1' is not a valid parameter name: use a Python identifier that is "
        "not a keyword (-p alpha 0.5)")


def test_make_with_a_P_word_without_equals_sign_says_how_to_write_it(tmp_path):
    result = make("preview", f"NOTEBOOK={sweep_notebook(tmp_path / 'nb.ipynb')}", "VALUES=::: AL", "P=k",
                  f"OUTPUT={tmp_path / 'out'}")
    assert result.returncode != 0
    assert "jupyterstream: error: --set 'k': no '=' in it: write NAME=VALUE (P='k=2 alpha=0.5')" in result.stderr


def test_plan_takes_inline_values_and_constants_and_prints_the_ids_for_parallel(tmp_path):
    output = tmp_path / "out"
    result = run_cli("plan", NOTEBOOKS / "typed.ipynb", "--param", "n", ":::", "1", "2", "-p", "code", "07",
                     "--output", output)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "2"]
    job = json.loads((output / "plan.json").read_text())["jobs"][1]
    assert (job["label"], job["values"]) == ("2", {"n": 2, "code": "07"})
