"""papermill parity: the same notebooks and values through papermill's Python API and through a real
jupyterstream sweep; the kernel's view of each parameter (repr and type) and the outcome must match
wherever we mean to match papermill, and the deliberate differences are pinned as tests of their own.

papermill is given what its own command line would give it: `-p NAME TEXT` values typed by its CLI's
rules (papermill.cli._resolve_type) for a CSV row, and a YAML entry read by its `-f` loader
(papermill.iorw.read_yaml_file) for a YAML values file.
"""

import csv
import json

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from papermill.cli import _resolve_type
from papermill.iorw import read_yaml_file

from support import read_status, run_cli

INJECTED = "injected-parameters"


# --- notebooks and the two ways of running them ------------------------------------------------


def make_notebook(path, parameters, names, body="", kernel="python3", tagged=True, stale=None):
    """A notebook whose last cell prints `PROBE {name: [repr, type]}` for each of ``names`` it defines.
    ``stale`` adds an old injected-parameters cell after the parameters cell (a re-run's input)."""
    nb = new_notebook(metadata={"kernelspec": {"name": kernel, "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_code_cell(parameters, metadata={"tags": ["parameters"] if tagged else []})]
    if stale:
        nb.cells.append(new_code_cell(stale, metadata={"tags": [INJECTED]}))
    if body:
        nb.cells.append(new_code_cell(body))
    nb.cells.append(new_code_cell(
        "import json\n"
        f"print('PROBE ' + json.dumps({{n: [repr(globals()[n]), type(globals()[n]).__name__] "
        f"for n in {list(names)!r} if n in globals()}}))\n"))
    nbformat.write(nb, str(path))
    return path


def probe(nb):
    """What the kernel printed as PROBE: {name: [repr, type name]}, or None when it never got there."""
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if output.get("output_type") == "stream" and text.startswith("PROBE "):
                return json.loads(text[len("PROBE "):])
    return None


def injected_cells(nb):
    """The indexes of the cells tagged injected-parameters."""
    return [i for i, c in enumerate(nb["cells"]) if INJECTED in c.get("metadata", {}).get("tags", [])]


def by_papermill(notebook, parameters, output):
    """Run papermill's Python API; return (outcome, executed notebook as JSON)."""
    try:
        papermill.execute_notebook(str(notebook), str(output), parameters=parameters, progress_bar=False,
                                   log_output=False, cwd=str(output.parent))
        outcome = "ok"
    except papermill.PapermillExecutionError:
        outcome = "error"
    return outcome, json.loads(output.read_text())


def by_jupyterstream(notebook, values, output):
    """Run a real sweep; return [(outcome, executed notebook as JSON, our status)] in the values file's order."""
    result = run_cli("run", notebook, values, "-o", output)
    assert result.returncode in (0, 1), result.stderr
    runs = []
    for job in json.loads((output / "plan.json").read_text())["jobs"]:
        status = read_status(output, job["id"])["status"]
        nb = json.loads((output / "runs" / f"{job['id']}.ipynb").read_text())
        runs.append(("ok" if status == "ok" else "error", nb, status))
    return runs


def sweep_both(tmp, notebook, header, rows):
    """Our sweep over a CSV of ``rows``, and papermill once per row with what `-p` would give it."""
    table = tmp / "values.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    ours = by_jupyterstream(notebook, table, tmp / "out")
    theirs = [by_papermill(notebook, {n: _resolve_type(t) for n, t in zip(header, row)}, tmp / f"pm-{i}.ipynb")
              for i, row in enumerate(rows)]
    return ours, theirs


# --- typed parameters from a CSV, against papermill's -p ---------------------------------------

TYPED = "name = 'x'\nn = 1\nratio = 0.5\nflag = False\nxs = [0]\n"
TYPED_NAMES = ["name", "n", "ratio", "flag", "xs"]
HEADER = ["name", "n", "ratio", "flag"]
SAME = [["AL", "7", "0.25", "True"], ["New York", "-3", "1e3", "False"],
        ["a'b \"c\" $(touch x) \\n", "0", "2.5", "False"], ["", "12", "-0.5", "True"]]
DIFFERENT = [["06", "5", "1", "yes"], ["True", "6", "2", "no"], ["None", "8", "0.5", "0"]]


@pytest.fixture(scope="module")
def typed_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("typed")
    notebook = make_notebook(tmp / "typed.ipynb", TYPED, TYPED_NAMES, stale="name = 'STALE'\n")
    return sweep_both(tmp, notebook, HEADER, SAME + DIFFERENT)


@pytest.mark.parametrize("index", range(len(SAME)))
def test_typed_values_reach_the_kernel_as_papermill_gives_them(typed_runs, index):
    (outcome, ours, _), (their_outcome, theirs) = typed_runs[0][index], typed_runs[1][index]
    assert (outcome, probe(ours)) == (their_outcome, probe(theirs)) == ("ok", probe(theirs))
    assert probe(ours)["xs"] == ["[0]", "list"]


def test_the_injected_cell_follows_the_parameters_cell_and_replaces_a_stale_one_as_papermill_does(typed_runs):
    (_, ours, _), (_, theirs) = typed_runs[0][0], typed_runs[1][0]
    assert injected_cells(ours) == injected_cells(theirs) == [1]
    assert probe(ours)["name"] == probe(theirs)["name"] == ["'AL'", "str"]


@pytest.mark.parametrize("index", range(len(SAME)))
def test_the_run_records_its_parameters_in_papermills_metadata_as_papermill_does(typed_runs, index):
    (_, ours, _), (_, theirs) = typed_runs[0][index], typed_runs[1][index]
    assert ours["metadata"].get("papermill", {}).get("parameters") == theirs["metadata"]["papermill"]["parameters"]


def test_deliberate_a_str_parameter_keeps_06_true_and_none_as_text_where_papermill_types_them(typed_runs):
    ours = [probe(nb)["name"] for _, nb, _ in typed_runs[0][len(SAME):]]
    theirs = [probe(nb)["name"] for _, nb in typed_runs[1][len(SAME):]]
    assert ours == [["'06'", "str"], ["'True'", "str"], ["'None'", "str"]]
    assert theirs == [["6", "int"], ["True", "bool"], ["None", "NoneType"]]


def test_deliberate_a_float_parameter_gets_a_float_and_a_bool_parameter_a_bool_where_papermill_guesses(typed_runs):
    ours = [(probe(nb)["ratio"], probe(nb)["flag"]) for _, nb, _ in typed_runs[0][len(SAME):]]
    theirs = [(probe(nb)["ratio"], probe(nb)["flag"]) for _, nb in typed_runs[1][len(SAME):]]
    assert ours == [(["1.0", "float"], ["True", "bool"]), (["2.0", "float"], ["False", "bool"]),
                    (["0.5", "float"], ["False", "bool"])]
    assert theirs == [(["1", "int"], ["'yes'", "str"]), (["2", "int"], ["'no'", "str"]),
                      (["0.5", "float"], ["0", "int"])]


# --- a YAML values file, against papermill's -f ------------------------------------------------

YAML = """\
- {name: AL, n: 7, ratio: 0.25, flag: true, xs: [1, 2]}
- {name: "06", n: 8, ratio: 1.5, flag: false, xs: []}
- {name: 'no', n: -1, ratio: .5, flag: False, xs: [a, 3.5]}
- {name: 06, n: 9, ratio: 2.5, flag: no, xs: [0]}
- {name: 12:30, n: 10, ratio: 3.5, flag: yes, xs: [0]}
- {name: off, n: 11, ratio: 4.5, flag: true, xs: [0]}
"""
YAML_SAME = 3


@pytest.fixture(scope="module")
def yaml_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("yaml")
    notebook = make_notebook(tmp / "typed.ipynb", TYPED, TYPED_NAMES)
    values = tmp / "values.yaml"
    values.write_text(YAML)
    ours = by_jupyterstream(notebook, values, tmp / "out")
    entries = read_yaml_file(str(values))  # what papermill's -f would read
    theirs = [by_papermill(notebook, entry, tmp / f"pm-{i}.ipynb") for i, entry in enumerate(entries)]
    return ours, theirs


@pytest.mark.parametrize("index", range(YAML_SAME))
def test_yaml_entries_reach_the_kernel_as_papermills_f_gives_them(yaml_runs, index):
    (outcome, ours, _), (their_outcome, theirs) = yaml_runs[0][index], yaml_runs[1][index]
    assert (outcome, probe(ours)) == (their_outcome, probe(theirs)) == ("ok", probe(theirs))


def test_deliberate_yaml_1_1_coercions_do_not_reach_a_str_parameter(yaml_runs):
    ours = [probe(nb)["name"] for _, nb, _ in yaml_runs[0][YAML_SAME:]]
    theirs = [probe(nb)["name"] for _, nb in yaml_runs[1][YAML_SAME:]]
    assert ours == [["'06'", "str"], ["'12:30'", "str"], ["'off'", "str"]]
    assert theirs == [["6", "int"], ["750", "int"], ["False", "bool"]]


# --- outcomes: ok, a failing cell, sys.exit --------------------------------------------------

OUTCOME_BODY = ("if mode == 'raise':\n    raise ValueError('boom ' + mode)\n"
                "if mode == 'exit0':\n    import sys\n    sys.exit(0)\n")


@pytest.fixture(scope="module")
def outcome_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outcome")
    notebook = make_notebook(tmp / "outcome.ipynb", "mode = 'ok'\n", ["mode"], body=OUTCOME_BODY)
    return sweep_both(tmp, notebook, ["mode"], [["ok"], ["raise"], ["exit0"]])


def test_a_run_that_ends_well_is_ok_in_both(outcome_runs):
    assert outcome_runs[0][0][0] == outcome_runs[1][0][0] == "ok"
    assert probe(outcome_runs[0][0][1]) == probe(outcome_runs[1][0][1]) == {"mode": ["'ok'", "str"]}


def test_a_failing_cell_fails_the_run_in_both_and_both_keep_the_partial_notebook_with_the_error(outcome_runs):
    (outcome, ours, _), (their_outcome, theirs) = outcome_runs[0][1], outcome_runs[1][1]
    assert outcome == their_outcome == "error"

    def error(nb):
        return [(o["ename"], o["evalue"]) for c in nb["cells"] for o in c.get("outputs", [])
                if o["output_type"] == "error"]

    assert error(ours) == error(theirs) == [("ValueError", "boom raise")]
    assert probe(ours) is probe(theirs) is None


def test_deliberate_sys_exit_is_not_ok_for_us_where_papermill_calls_it_a_success(outcome_runs):
    (outcome, ours, status), (their_outcome, theirs) = outcome_runs[0][2], outcome_runs[1][2]
    assert (outcome, status, their_outcome) == ("error", "stopped-early", "ok")
    assert probe(ours) is probe(theirs) is None  # in both, the cells after sys.exit never ran


# --- names are checked ------------------------------------------------------------------------


def test_deliberate_a_name_the_notebook_lacks_is_refused_where_papermill_injects_it_unchecked(tmp_path):
    notebook = make_notebook(tmp_path / "typed.ipynb", TYPED, TYPED_NAMES + ["nmae"])
    table = tmp_path / "values.csv"
    table.write_text("nmae\nAL\n")
    result = run_cli("run", notebook, table, "-o", tmp_path / "out")
    assert result.returncode == 2 and "no parameter 'nmae'" in result.stderr
    assert not (tmp_path / "out" / "runs").exists()
    outcome, theirs = by_papermill(notebook, {"nmae": "AL"}, tmp_path / "pm.ipynb")
    assert outcome == "ok" and probe(theirs)["nmae"] == ["'AL'", "str"]


# --- what the Python parameter contract adds (passes once that work is merged) -----------------


def test_a_none_or_computed_default_gets_the_type_papermill_infers(tmp_path):
    notebook = make_notebook(tmp_path / "none.ipynb", "threshold = None\nrun_fast = 1 > 2\nlabel = None\n",
                             ["threshold", "run_fast", "label"])
    ours, theirs = sweep_both(tmp_path, notebook, ["threshold", "run_fast", "label"],
                              [["3", "False", "x"], ["0.5", "True", "None"]])
    for (outcome, nb, _), (their_outcome, their_nb) in zip(ours, theirs):
        assert (outcome, probe(nb)) == (their_outcome, probe(their_nb))
    assert probe(ours[0][1]) == {"threshold": ["3", "int"], "run_fast": ["False", "bool"], "label": ["'x'", "str"]}


def test_a_parameters_cell_with_ipython_syntax_and_every_assignment_form_runs_as_in_papermill(tmp_path):
    cell = "files = !echo hi\n%env MODE=test\nlo, hi = 0, 10\nalpha: float = 0.5\na = b = 1\n"
    notebook = make_notebook(tmp_path / "ipy.ipynb", cell, ["lo", "hi", "alpha", "a", "b"])
    ours, theirs = sweep_both(tmp_path, notebook, ["lo", "alpha", "a"], [["3", "0.25", "2"]])
    assert ours[0][0] == theirs[0][0] == "ok"
    assert probe(ours[0][1]) == probe(theirs[0][1]) == {
        "lo": ["3", "int"], "hi": ["10", "int"], "alpha": ["0.25", "float"], "a": ["2", "int"], "b": ["1", "int"]}


def test_a_notebook_whose_kernel_is_named_python_runs_as_in_papermill(tmp_path):
    notebook = make_notebook(tmp_path / "kernel.ipynb", "state = 'CA'\n", ["state"], kernel="python")
    ours, theirs = sweep_both(tmp_path, notebook, ["state"], [["AL"]])
    assert (ours[0][0], probe(ours[0][1])) == (theirs[0][0], probe(theirs[0][1])) == ("ok", {"state": ["'AL'", "str"]})


def test_an_untagged_notebook_gets_its_values_in_a_cell_at_the_top_as_in_papermill(tmp_path):
    notebook = make_notebook(tmp_path / "untagged.ipynb", "import os\nseen = os.environ.get('state')\n",
                             ["state"], tagged=False)
    ours, theirs = sweep_both(tmp_path, notebook, ["state"], [["AL"]])
    assert (ours[0][0], probe(ours[0][1])) == (theirs[0][0], probe(theirs[0][1])) == ("ok", {"state": ["'AL'", "str"]})
    assert injected_cells(ours[0][1]) == injected_cells(theirs[0][1]) == [0]
