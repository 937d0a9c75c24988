"""Staged inputs made from one template of the notebook: the same notebook as params.inject gives,
and a repeat plan leaves an input that would not change as it is."""

import json
import os

import pytest

from jupyterstream.launch.plan import build_plan, plan_chunks, plan_record, stage
from jupyterstream.launch.staged import Inputs, dumps
from jupyterstream.notebook import params

from ..helpers import notebook, save

VALUES = {"state": "New\nYork \u2028 <b>\"", "n": 7, "xs": [1.5, float("inf")], "flag": None}
TEXTS = {"state": "New\nYork", "n": "7", "xs": "[1.5, inf]", "flag": "None"}


def source_notebook(minor, papermill_first):
    nb = notebook("state = 'CA'\nn = 1\nxs = []\nflag = None\n", "print(state)", "n += 1", minor=minor)
    if papermill_first:  # a notebook an earlier papermill run saved: its keys come before ours
        nb.metadata = {"papermill": {"duration": 1.0}, **nb.metadata}
        nb.cells[1].metadata["papermill"] = {"duration": 0.1}
    return nb


@pytest.mark.parametrize("minor", [4, 5])
@pytest.mark.parametrize("papermill_first", [False, True])
def test_a_staged_input_made_from_the_template_is_the_notebook_inject_makes(minor, papermill_first):
    nb = source_notebook(minor, papermill_first)
    extra = {"job": "NY", "identity": "abc", "cwd": ".."}
    text = Inputs(nb).text(VALUES, TEXTS, extra)
    assert json.loads(text) == json.loads(dumps(params.inject(nb, VALUES, TEXTS, extra)))
    assert text.isascii() and text.endswith("}\n")
    assert list(json.loads(text)["metadata"]).index("papermill") == (0 if papermill_first else 2)


def test_the_template_leaves_the_source_notebook_as_it_was():
    nb = source_notebook(5, True)
    before = json.dumps(nb, sort_keys=True)
    Inputs(nb).text(VALUES, TEXTS)
    assert json.dumps(nb, sort_keys=True) == before


def test_a_repeat_plan_leaves_each_staged_input_that_would_not_change_untouched(tmp_path):
    values = tmp_path / "values.txt"
    values.write_text("AL\nNY\n")
    nb = save(notebook(), tmp_path / "nb.ipynb")
    out = tmp_path / "out"
    stage(build_plan(nb, values), out)
    inputs = [out / "inputs" / "AL.ipynb", out / "inputs" / "NY.ipynb"]
    seen = [os.stat(p) for p in inputs]
    values.write_text("AL\nNY\n# one more line, the same values\n")
    stage(build_plan(nb, values), out)
    again = [os.stat(p) for p in inputs]
    assert [(s.st_ino, s.st_mtime_ns) for s in again] == [(s.st_ino, s.st_mtime_ns) for s in seen]
    assert not [p for p in (out / "inputs").iterdir() if p.name.endswith(".tmp")]


def test_a_staged_input_whose_values_changed_is_replaced_under_its_name(tmp_path):
    values = tmp_path / "values.csv"
    values.write_text("state\nAL\n")
    nb = save(notebook("state = 'CA'\n", "print(state)"), tmp_path / "nb.ipynb")
    out = tmp_path / "out"
    stage(build_plan(nb, values), out)
    save(notebook("state = 'CA'\n", "print(state, 2)"), nb)  # the notebook's code changed
    stage(build_plan(nb, values), out)
    staged = json.loads((out / "inputs" / "AL.ipynb").read_text())
    assert staged["cells"][2]["source"] == "print(state, 2)"
    assert sorted(p.name for p in (out / "inputs").iterdir()) == ["AL.ipynb"]


def test_plan_json_holds_a_job_a_line_and_reads_back_as_the_plan_record(tmp_path):
    values = tmp_path / "values.txt"
    values.write_text("AL\nNew York\nTX\n")
    plan = build_plan(save(notebook(), tmp_path / "nb.ipynb"), values)
    text = "".join(plan_chunks(plan))
    assert json.loads(text) == json.loads(json.dumps(plan_record(plan)))
    lines = text.splitlines()
    assert [json.loads(line.rstrip(","))["id"] for line in lines[lines.index(' "jobs": [') + 1:-1]] == \
        [job.id for job in plan.jobs]
