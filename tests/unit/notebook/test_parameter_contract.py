"""The contract as a plan sees it: untyped defaults inferred, IPython and tuple parameters cells, and
a notebook with no parameters cell fed through the environment it reads."""

import io

import pytest

from jupyterstream.notebook import params
from jupyterstream.errors import NotebookError, ParameterError, ValuesError
from jupyterstream.launch.plan import build_plan

from ..helpers import notebook, save


def untagged(*cells):
    nb = notebook(*cells)
    nb.cells[0].metadata = {}
    return nb


def test_a_csv_row_for_defaults_with_no_type_arrives_as_int_and_false(make_notebook, write_file):
    path = make_notebook("threshold = None\nrun_fast = 1 > 2\n")
    plan = build_plan(path, write_file("grid.csv", "threshold,run_fast\n3,False\n"))
    assert plan.jobs[0].values == {"threshold": 3, "run_fast": False}
    assert type(plan.jobs[0].values["threshold"]) is int


def test_a_tuple_assignment_in_an_ipython_parameters_cell_is_two_parameters(make_notebook, write_file):
    path = make_notebook("files = !ls\n%env X=1\nlo, hi = 0, 10\n")
    plan = build_plan(path, write_file("grid.csv", "lo,hi\n2,5\n"))
    assert plan.jobs[0].values == {"lo": 2, "hi": 5}


def test_with_no_parameters_cell_the_defaults_are_the_environment_variables_it_reads():
    log = io.StringIO()
    nb = untagged("import os\n", "state = os.environ['state']\nyear = os.getenv('year')\n")
    found = params.read_defaults(nb, "seed.ipynb", log=log)
    assert isinstance(found, params.EnvironmentReads)
    assert found == {"state": params.FROM_ENVIRONMENT, "year": params.FROM_ENVIRONMENT}
    assert log.getvalue().count("\n") == 1
    assert log.getvalue().startswith("jupyterstream: warning: seed.ipynb: no cell is tagged 'parameters'")
    assert "(it reads: state, year)" in log.getvalue()


def test_with_no_parameters_cell_and_no_environment_read_the_notebook_is_refused():
    with pytest.raises(NotebookError, match="no cell is tagged 'parameters', and the notebook reads no environment"):
        params.read_defaults(untagged("print(1)\n"), "nb.ipynb", log=io.StringIO())


def test_a_column_the_notebook_never_reads_names_the_file_the_column_and_what_it_reads(tmp_path, write_file):
    path = save(untagged("import os\nos.environ['state']\nos.getenv('year')\n"), tmp_path / "seed.ipynb")
    table = write_file("grid.csv", "state,county\nCA,King\n")
    with pytest.raises(ParameterError) as info:
        build_plan(path, table)
    message = str(info.value)
    assert f"{table}: the column 'county' reaches nothing in {path}" in message
    assert "never reads 'county' from the environment (it reads: state, year)" in message


def test_values_for_a_notebook_that_reads_the_environment_stay_text(tmp_path, write_file, capsys):
    path = save(untagged("import os\nos.environ['state']\nos.environ['year']\n"), tmp_path / "seed.ipynb")
    plan = build_plan(path, write_file("grid.csv", "state,year\n06,2000\n"))
    assert plan.jobs[0].values == {"state": "06", "year": "2000"}
    assert "no cell is tagged 'parameters'" in capsys.readouterr().err


def test_a_value_no_environment_variable_can_hold_is_refused_at_its_line(tmp_path, write_file):
    path = save(untagged("import os\nos.environ['state']\n"), tmp_path / "seed.ipynb")
    with pytest.raises(ValuesError, match=r"grid.csv:3: the value for 'state' cannot reach the notebook"):
        build_plan(path, write_file("grid.csv", 'state\nCA\n"a\x00b"\n'))


def test_an_unknown_name_for_a_tagged_notebook_still_lists_its_parameters(make_notebook, write_file):
    table = write_file("grid.csv", "county\nKing\n")
    with pytest.raises(ParameterError, match=rf"no parameter 'county' \(from {table}\); its parameters cell "
                                             r"defines: state"):
        build_plan(make_notebook(), table)


def only_the_required_interface(monkeypatch):
    """A language module with read_defaults and cell_source only (no describe, no environment_reads)."""
    from types import SimpleNamespace

    from jupyterstream.notebook import lang
    from jupyterstream.notebook.lang import python

    bare = SimpleNamespace(read_defaults=python.read_defaults, cell_source=python.cell_source)
    monkeypatch.setattr(lang, "for_notebook", lambda nb, path: bare)


def test_a_language_without_the_optional_functions_still_reads_injects_and_inspects(monkeypatch, tmp_path):
    from jupyterstream.notebook.inspection import report

    only_the_required_interface(monkeypatch)
    nb = notebook("n = 1  # the comment is not shown\nrun_fast = 1 > 2\n")
    assert params.read_defaults(nb, "nb") == {"n": 1, "run_fast": params.NO_LITERAL}
    assert params.inject(nb, {"n": 2}, {"n": "2"}).cells[1].source.endswith("n = 2\n")
    lines = [" ".join(line.split()) for line in report(save(nb, tmp_path / "nb.ipynb")).splitlines()]
    assert lines[3:5] == ["n int 1", "run_fast inferred (not a literal)"]
    assert lines[-1] == "reads from the environment: nothing (by a constant name)"


def test_a_language_that_cannot_tell_environment_reads_refuses_a_notebook_without_parameters_cell(monkeypatch):
    only_the_required_interface(monkeypatch)
    with pytest.raises(NotebookError, match="no cell is tagged 'parameters': tag the code cell"):
        params.read_defaults(untagged("import os\nos.environ['state']\n"), "nb.ipynb", log=io.StringIO())
