"""build_plan over several values files: readable ids, typed values, errors naming the right file."""

import pytest

from jupyterstream.errors import ValuesError
from jupyterstream.launch.plan import build_plan

TWO = "state = 'CA'\nyear = 2000\n"


def test_a_grid_of_two_files_gives_readable_ids_and_typed_values(make_notebook, write_file):
    files = [write_file("states.txt", "AL\nNew York\n"), write_file("years.txt", "1990\n2000\n")]
    plan = build_plan(make_notebook(TWO), files, "state year")
    assert [j.id for j in plan.jobs][:2] == ["AL_1990", "AL_2000"]
    assert plan.jobs[2].id.startswith("New-York_1990-")
    assert plan.jobs[1].values == {"state": "AL", "year": 2000} and plan.jobs[1].label() == "state=AL, year=2000"
    assert plan.values_file == f"{files[0]} × {files[1]}"
    assert plan.grid == f"{files[0]} (2) × {files[1]} (2)"


def test_one_file_given_as_a_list_plans_exactly_as_before(make_notebook, write_file):
    values = write_file("v.txt", "AL\nCA\n")
    alone, listed = build_plan(make_notebook(), values), build_plan(make_notebook(), [values], ("state",))
    assert [(j.id, j.line, j.values, j.identity) for j in alone.jobs] == [
        (j.id, j.line, j.values, j.identity) for j in listed.jobs]
    assert (alone.values_file, alone.values_sha256, alone.grid) == (listed.values_file, listed.values_sha256, "")


def test_a_value_that_does_not_convert_names_its_own_file_and_line(make_notebook, write_file):
    files = [write_file("states.txt", "AL\nCA\n"), write_file("years.txt", "1990\n\nnineteen\n")]
    with pytest.raises(ValuesError) as info:
        build_plan(make_notebook(TWO), files, "state year")
    assert str(info.value).startswith(f"{files[1]}:3: 'nineteen' is not a valid int for parameter 'year'")


def test_grid_rows_whose_ids_clash_name_both_combinations(make_notebook, write_file):
    files = [write_file("states.txt", "ca\nCA\n"), write_file("years.txt", "1990\n")]
    with pytest.raises(ValuesError) as info:
        build_plan(make_notebook(TWO), files, "state year")
    assert str(info.value).startswith(f"{files[0]}:2: its output name 'CA_1990' clashes with "
                                      f"{files[0]}:1 × {files[1]}:1")


def test_a_yaml_grid_and_a_txt_file_combine(make_notebook, write_file):
    files = [write_file("g.yaml", "year: [1990, 2000]\n"), write_file("s.txt", "AL\n")]
    plan = build_plan(make_notebook(TWO), files, "state")
    assert [j.values for j in plan.jobs] == [{"year": 1990, "state": "AL"}, {"year": 2000, "state": "AL"}]
