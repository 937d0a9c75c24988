"""YAML and JSON values files built to hurt: an alias bomb, a self-containing alias, a grid of a
billion jobs, deep nesting. Each is refused at once with exit 2 and a message naming the file; nothing
is written and memory stays small."""

import subprocess

import nbformat
import pytest

from faultkit import run_tagged
from support import CLI, NOTEBOOKS, REPO

BOMB = "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]) + "\n"
AXIS = "[" + ", ".join(str(i) for i in range(1000)) + "]"


@pytest.mark.parametrize("name, content, message", [
    ("bomb.yaml", BOMB, "an alias here contains itself or repeats too much"),
    ("loop.yaml", "- state: &s [*s]\n", "an alias here contains itself"),
    ("huge.yaml", f"state: {AXIS}\nb: {AXIS}\nc: {AXIS}\n", "the grid makes 1,000,000,000 jobs"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply to be a values file"),
    ("deep.yaml", "[" * 100_000 + "]" * 100_000, "not valid YAML: exceeded maximum nesting depth"),  # libyaml's
])
def test_a_hostile_values_file_is_refused_quickly_with_its_name(tmp_path, tag, name, content, message):
    values = tmp_path / name
    values.write_text(content)
    code, _, err = run_tagged(["plan", NOTEBOOKS / "echo.ipynb", values, "--output", tmp_path / "out"], tag,
                              tmp_path / "logs", timeout=60)
    assert code == 2 and "Traceback" not in err, err
    assert f"{values}" in err and message in err
    assert not (tmp_path / "out").exists()


def test_a_grid_of_files_over_a_million_jobs_is_refused_before_it_is_built(tmp_path, tag):
    many = tmp_path / "many.txt"
    many.write_text("".join(f"v{i}\n" for i in range(1001)))
    code, _, err = run_tagged(["plan", NOTEBOOKS / "echo.ipynb", many, many, "--param", "state other",
                               "--output", tmp_path / "out"], tag, tmp_path / "logs", timeout=60)
    assert code == 2 and "the grid makes 1,002,001 jobs (1001 × 1001)" in err, err
    assert not (tmp_path / "out").exists()


def test_a_million_job_grid_that_cannot_be_planned_in_memory_is_refused_up_front_with_what_it_needs(tmp_path):
    """Under an address-space limit of 1 GB (prlimit, a real limit of the process): a grid of exactly the
    cap is refused before a row is built, naming its values files, the estimate and what there is."""
    notebook = tmp_path / "two.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("state = 'AL'\nyear = 'y0'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(state, year)")]), notebook)
    states, years = tmp_path / "states.txt", tmp_path / "years.txt"
    states.write_text("".join(f"s{i}\n" for i in range(1000)))
    years.write_text("".join(f"y{i}\n" for i in range(1000)))
    result = subprocess.run(["prlimit", f"--as={2 ** 30}", str(CLI), "plan", str(notebook),
                             str(states), str(years), "--param", "state year", "--output", str(tmp_path / "out")],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{states} × {years}: the sweep makes 1,000,000 jobs (1000 × 1000): planning them needs about 1.4 GB " \
           "of memory, and this process can have" in result.stderr
    assert "split the sweep into smaller grids" in result.stderr
    assert not (tmp_path / "out").exists()
