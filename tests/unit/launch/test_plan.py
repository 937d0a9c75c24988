"""plan: job ids, identities, --only, and staging input notebooks (resume skips what is done)."""

import hashlib
import json
import os
import re

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterstream.notebook import params
from jupyterstream.runner import status
from jupyterstream.errors import ArgumentError, ParameterError, ValuesError
from jupyterstream.launch.plan import build_plan, make_id, notebook_hash, select, stage

from ..helpers import notebook, save, strict_json

SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


def hashed(job_id, slug):
    """True when job_id is ``slug-<8 hex digits>``."""
    return re.fullmatch(re.escape(slug) + r"-[0-9a-f]{8}", job_id) is not None


# --- make_id ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["AL", "New_York", "a.b", "v1.2-rc_3", "06", "x" * 48])
def test_job_id_is_the_value_itself_when_file_safe(value):
    assert make_id({"state": value}) == value


@pytest.mark.parametrize("value, slug", [
    ("New York", "New-York"),
    ("São Paulo", "S-o-Paulo"),
    ("a/b", "a-b"),
    ("../etc/passwd", "etc-passwd"),
    ("-rf", "rf"),
    (".hidden", "hidden"),
    ("$(touch x)", "touch-x"),
    ("x" * 49, "x" * 48),
])
def test_unsafe_value_gets_a_slug_plus_a_short_hash(value, slug):
    assert hashed(make_id({"state": value}), slug)


@pytest.mark.parametrize("value", ["", "..", ".", "---", "/", "日本"])
def test_value_with_no_safe_character_gets_job_plus_hash(value):
    assert hashed(make_id({"state": value}), "job")


def test_values_with_the_same_slug_get_different_ids():
    assert make_id({"s": "New York"}) != make_id({"s": "New/York"})


def test_job_id_is_deterministic_and_depends_on_the_parameter_name():
    assert make_id({"s": "a b"}) == make_id({"s": "a b"})
    assert make_id({"s": "a b"}) != make_id({"t": "a b"})


def test_several_parameters_are_joined_with_underscores():
    assert make_id({"n": "7", "code": "06"}) == "7_06"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.text(), min_size=1))
def test_job_id_is_always_file_safe_short_and_never_an_option(texts):
    job_id = make_id(texts)
    assert SAFE_ID.match(job_id), job_id
    assert len(job_id) <= 48 + 9 and job_id not in (".", "..")


# --- build_plan -------------------------------------------------------------------------------


@pytest.fixture
def typed(make_notebook):
    return make_notebook("n = 1\nratio = 0.5\nflag = False\ncode = '00'\n", "print(n)")


def test_build_plan_gives_one_job_per_value_with_ids_lines_labels_and_values(make_notebook, write_file):
    values = write_file("v.txt", "AL\n\nNew York\n")
    plan = build_plan(make_notebook(), values)
    assert [(j.id, j.line, j.texts, j.values, j.label()) for j in plan.jobs] == [
        ("AL", 1, {"state": "AL"}, {"state": "AL"}, "AL"),
        (make_id({"state": "New York"}), 3, {"state": "New York"}, {"state": "New York"}, "New York")]
    assert plan.values_file == str(values) and len(plan.values_sha256) == 64


def test_build_plan_converts_table_columns_to_the_defaults_types(typed, write_file):
    plan = build_plan(typed, write_file("grid.csv", "n,ratio,flag,code\n7,0.25,yes,06\n"))
    job = plan.jobs[0]
    assert job.values == {"n": 7, "ratio": 0.25, "flag": True, "code": "06"}
    assert job.id == "7_0.25_yes_06" and job.label() == "n=7, ratio=0.25, flag=yes, code=06"


def test_value_that_does_not_convert_is_a_values_error_naming_line_and_parameter(typed, write_file):
    grid = write_file("grid.csv", "n,code\n7,06\nseven,07\n")
    with pytest.raises(ValuesError) as info:
        build_plan(typed, grid)
    assert info.value.line == 3 and f"{grid}:3" in str(info.value)
    assert "'seven' is not a valid int for parameter 'n'" in str(info.value)


def test_unknown_column_is_a_parameter_error_listing_the_known_ones(typed, write_file):
    with pytest.raises(ParameterError, match="no parameter 'county'.*defines: n, ratio, flag, code"):
        build_plan(typed, write_file("grid.csv", "county\nKing\n"))


def test_unknown_param_for_a_txt_file_is_a_parameter_error(make_notebook, write_file):
    with pytest.raises(ParameterError, match="no parameter 'county'"):
        build_plan(make_notebook(), write_file("v.txt", "King\n"), param="county")


def test_values_differing_only_by_case_clash_with_an_error_naming_both_lines(make_notebook, write_file):
    values = write_file("v.txt", "ca\nAL\nCA\n")
    with pytest.raises(ValuesError, match="clashes with line 1") as info:
        build_plan(make_notebook(), values)
    assert info.value.line == 3 and f"{values}:3" in str(info.value)


def test_distinct_table_rows_never_share_a_job_id(make_notebook, write_file):
    plan = build_plan(make_notebook("x = ''\ny = ''\n"), write_file("grid.csv", "x,y\na_b,c\na,b_c\n"))
    assert len({j.id for j in plan.jobs}) == 2


def test_bad_notebook_is_refused_before_the_values_are_read(tmp_path, write_file):
    nb = notebook()
    nb.cells[0].metadata = {}
    with pytest.raises(params.NotebookError, match="no cell is tagged"):
        build_plan(save(nb, tmp_path / "nb.ipynb"), tmp_path / "missing.txt")


# --- identity ---------------------------------------------------------------------------------


def identity_of(tmp_path, nb, value="AL"):
    values = tmp_path / "v.txt"
    values.write_text(f"{value}\n")
    return build_plan(save(nb, tmp_path / "nb.ipynb"), values).jobs[0].identity


def test_identity_is_stable_for_the_same_notebook_and_values(tmp_path):
    assert identity_of(tmp_path, notebook("state = 'CA'\n", "x = 1")) == \
        identity_of(tmp_path, notebook("state = 'CA'\n", "x = 1"))


def test_identity_changes_when_a_cell_source_changes(tmp_path):
    assert identity_of(tmp_path, notebook("state = 'CA'\n", "x = 1")) != \
        identity_of(tmp_path, notebook("state = 'CA'\n", "x = 2"))


def test_identity_changes_when_the_parameters_cell_changes(tmp_path):
    assert identity_of(tmp_path, notebook("state = 'CA'\n")) != identity_of(tmp_path, notebook("state = 'NY'\n"))


def test_identity_changes_when_the_kernel_changes(tmp_path):
    assert identity_of(tmp_path, notebook()) != identity_of(tmp_path, notebook(kernel="other"))


def test_identity_changes_when_the_value_changes(tmp_path):
    nb = notebook()
    assert identity_of(tmp_path, nb, "AL") != identity_of(tmp_path, nb, "CA")


def test_identity_does_not_change_with_outputs_execution_counts_or_metadata(tmp_path):
    plain = notebook("state = 'CA'\n", "print(state)")
    ran = notebook("state = 'CA'\n", "print(state)")
    ran.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="CA\n")]
    ran.cells[1].execution_count = 3
    ran.cells[1].metadata["collapsed"] = True
    ran.metadata["widgets"] = {"x": 1}
    assert identity_of(tmp_path, plain) == identity_of(tmp_path, ran)


def test_notebook_hash_ignores_an_injected_cell():
    nb = notebook("state = 'CA'\n", "print(state)")
    assert notebook_hash(nb) == notebook_hash(params.inject(nb, {"state": "AL"}, {"state": "AL"}))


def test_notebook_hash_sees_a_cell_type_change():
    code = notebook("state = 'CA'\n", "x")
    markdown = notebook("state = 'CA'\n", nbformat.v4.new_markdown_cell("x"))
    assert notebook_hash(code) != notebook_hash(markdown)


# --- select -----------------------------------------------------------------------------------


@pytest.fixture
def plan(make_notebook, write_file):
    return build_plan(make_notebook(), write_file("v.txt", "AL\nNew York\nCA\n"))


def test_select_without_only_gives_every_job(plan):
    assert select(plan) == plan.jobs and select(plan) is not plan.jobs


def test_select_by_value_or_by_job_id(plan):
    new_york = plan.jobs[1]
    assert select(plan, "CA") == [plan.jobs[2]]
    assert select(plan, "New York") == [new_york] == select(plan, new_york.id)


def test_select_of_an_unknown_value_is_a_values_error(plan):
    with pytest.raises(ValuesError, match="--only 'TX' matches no value"):
        select(plan, "TX")


def test_select_of_a_group_gives_the_jobs_of_its_runs_still_in_the_file(plan):
    assert select(plan, group=("cell-error/KeyError/cell-3", ["CA", "AL", "TX"])) == [plan.jobs[0], plan.jobs[2]]


def test_select_of_a_group_none_of_whose_runs_is_in_the_file_is_a_values_error(plan):
    with pytest.raises(ValuesError, match="--only-group 'k': none of its runs \\(TX\\) is in the file now"):
        select(plan, group=("k", ["TX"]))


def test_select_with_both_only_and_a_group_is_an_argument_error(plan):
    with pytest.raises(ArgumentError, match="give one of them"):
        select(plan, "CA", ("k", ["CA"]))


# --- stage ------------------------------------------------------------------------------------


def mark_ok(output, job, identity=None, notebook_file=True):
    """What a job that ran ok leaves: its executed notebook and a record that vouches for its bytes."""
    data = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
    if notebook_file:
        (output / "runs" / f"{job.id}.ipynb").write_bytes(data)
    status.write(str(output), job.id, {"status": "ok", "identity": identity or job.identity,
                                       "notebook": f"runs/{job.id}.ipynb",
                                       "notebook_sha256": hashlib.sha256(data).hexdigest()})


def test_stage_writes_an_input_per_job_plan_json_and_the_folders(plan, tmp_path):
    out = tmp_path / "out"
    todo = stage(plan, out)
    assert todo == plan.jobs
    assert all((out / sub).is_dir() for sub in ("inputs", "runs", "status", "logs"))
    assert sorted(p.name for p in (out / "inputs").iterdir()) == sorted(f"{j.id}.ipynb" for j in plan.jobs)
    record = json.loads((out / "plan.json").read_text())
    assert [j["id"] for j in record["jobs"]] == [j.id for j in plan.jobs]
    assert record["jobs"][1]["label"] == "New York"
    assert record["jobs"][0]["identity"] == plan.jobs[0].identity


def test_staged_input_has_the_value_injected_and_records_job_and_identity(plan, tmp_path):
    out = tmp_path / "out"
    stage(plan, out)
    job = plan.jobs[1]
    nb = nbformat.read(out / "inputs" / f"{job.id}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.cells[1].metadata["tags"] == [params.INJECTED_TAG]
    assert nb.cells[1].source.endswith("state = 'New York'\n")
    meta = nb.metadata["jupyterstream"]
    assert meta["job"] == job.id and meta["identity"] == job.identity
    assert meta["parameters"] == {"state": "New York"}
    assert os.path.normpath(os.path.join(out / "inputs", meta["cwd"])) == os.path.normpath(plan.cwd)


def test_staged_inputs_have_no_outputs_even_when_the_source_had_some(tmp_path, write_file):
    nb = notebook("state = 'CA'\n", "print(state)")
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="stale CA\n")]
    nb.cells[1].execution_count = 9
    plan = build_plan(save(nb, tmp_path / "nb.ipynb"), write_file("v.txt", "AL\n"))
    stage(plan, tmp_path / "out")
    staged = nbformat.read(tmp_path / "out" / "inputs" / "AL.ipynb", as_version=4)
    for cell in staged.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert "stale" not in (tmp_path / "out" / "inputs" / "AL.ipynb").read_text()
    assert plan.source.cells[1].outputs, "the plan's own notebook is not changed"


def test_stage_skips_a_job_that_is_ok_with_the_same_identity_and_has_its_run(plan, tmp_path):
    out = tmp_path / "out"
    stage(plan, out)
    done = plan.jobs[0]
    mark_ok(out, done)
    (out / "inputs" / f"{done.id}.ipynb").unlink()
    todo = stage(plan, out)
    assert done not in todo and todo == plan.jobs[1:]
    assert not (out / "inputs" / f"{done.id}.ipynb").exists()
    assert len(json.loads((out / "plan.json").read_text())["jobs"]) == len(plan.jobs)


def test_stage_restages_an_ok_job_whose_identity_differs(plan, tmp_path):
    out = tmp_path / "out"
    stage(plan, out)
    mark_ok(out, plan.jobs[0], identity="from-another-notebook")
    assert plan.jobs[0] in stage(plan, out)


def test_stage_restages_an_ok_job_whose_run_notebook_is_missing(plan, tmp_path):
    out = tmp_path / "out"
    stage(plan, out)
    mark_ok(out, plan.jobs[0], notebook_file=False)
    assert plan.jobs[0] in stage(plan, out)


def test_stage_restages_a_failed_job(plan, tmp_path):
    out = tmp_path / "out"
    stage(plan, out)
    status.write(str(out), plan.jobs[0].id, {"status": "cell-error", "identity": plan.jobs[0].identity})
    (out / "runs" / f"{plan.jobs[0].id}.ipynb").write_text("{}")
    assert plan.jobs[0] in stage(plan, out)


def test_stage_restages_a_job_with_a_corrupt_status_record(plan, tmp_path):
    out = tmp_path / "out"
    stage(plan, out)
    (out / "status" / f"{plan.jobs[0].id}.json").write_text('{"status": "ok", "iden')
    (out / "runs" / f"{plan.jobs[0].id}.ipynb").write_text("{}")
    assert plan.jobs[0] in stage(plan, out)


def test_stage_with_rerun_ok_restages_jobs_that_are_done(plan, tmp_path):
    out = tmp_path / "out"
    stage(plan, out)
    mark_ok(out, plan.jobs[0])
    assert stage(plan, out, rerun_ok=True) == plan.jobs


def test_stage_of_some_jobs_writes_only_their_inputs_but_plans_all(plan, tmp_path):
    out = tmp_path / "out"
    todo = stage(plan, out, jobs=select(plan, "CA"))
    assert [j.id for j in todo] == ["CA"]
    assert [p.name for p in (out / "inputs").iterdir()] == ["CA.ipynb"]
    assert len(json.loads((out / "plan.json").read_text())["jobs"]) == 3


def test_stage_leaves_no_temporary_files(plan, tmp_path):
    out = tmp_path / "out"
    stage(plan, out)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_staged_input_is_strict_json_for_ordinary_values(typed, write_file, tmp_path):
    plan = build_plan(typed, write_file("grid.csv", "n,ratio,code\n1,0.5,06\n"))
    stage(plan, tmp_path / "out")
    strict_json((tmp_path / "out" / "inputs" / f"{plan.jobs[0].id}.ipynb").read_text())


def test_staged_input_is_strict_json_for_a_nan_value(typed, write_file, tmp_path):
    plan = build_plan(typed, write_file("grid.csv", "n,ratio\n2,nan\n"))
    stage(plan, tmp_path / "out")
    strict_json((tmp_path / "out" / "inputs" / f"{plan.jobs[0].id}.ipynb").read_text())
