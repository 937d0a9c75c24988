"""inspection and `jupyterstream inspect`: each parameter's name, type, default and comment, and what
the notebook reads from the environment."""

from click.testing import CliRunner

from jupyterstream.cli import main
from jupyterstream.notebook.inspection import report

from ..helpers import notebook, save

CELL = ("%%capture\n"
        "state = 'CA'  # USPS code of a state\n"
        "lo, hi = 0, 10  # the range\n"
        "threshold = None\n"
        "run_fast = 1 > 2\n")


def lines_of(text):
    return [" ".join(line.split()) for line in text.splitlines()]


def test_report_lists_name_type_default_and_comment_of_each_parameter(tmp_path):
    path = save(notebook(CELL, "import os\nos.getenv('HOME')\n", kernel="python"), tmp_path / "nb.ipynb")
    lines = lines_of(report(path))
    assert lines[0] == f"{path}: kernel python3 (python)"
    assert lines[1:8] == ["parameters (cell 0):",
                          "name type default comment",
                          "state str 'CA' USPS code of a state",
                          "lo int 0 the range",
                          "hi int 10 the range",
                          "threshold inferred None",
                          "run_fast inferred 1 > 2"]
    assert lines[8].startswith("inferred: the default gives no type, so the value decides: an integer, a float")
    assert lines[9] == "reads from the environment: HOME"


def test_report_of_a_notebook_without_parameters_cell_says_values_come_through_the_environment(tmp_path):
    nb = notebook("import os\nstate = os.environ['state']\n")
    nb.cells[0].metadata = {}
    lines = lines_of(report(save(nb, tmp_path / "seed.ipynb")))
    assert lines[1].startswith("no cell is tagged 'parameters': each run's values reach the notebook as environment")
    assert lines[2] == "reads from the environment: state"


def test_a_long_default_is_cut_so_the_comment_stays_in_view(tmp_path):
    path = save(notebook("text = '" + "x" * 80 + "'  # the note\n"), tmp_path / "nb.ipynb")
    row = lines_of(report(path))[3]
    assert row.endswith("\u2026 the note") and len(row) < 70


def test_inspect_command_prints_the_report_and_exits_0(tmp_path):
    path = save(notebook(CELL), tmp_path / "nb.ipynb")
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 0 and result.output == report(path) + "\n"


def test_inspect_command_on_a_missing_notebook_names_it_and_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "nope.ipynb")])
    assert result.exit_code == 2 and "nope.ipynb: no such file" in result.output
