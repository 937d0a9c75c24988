"""pyvalues: Python's values (lists, dicts, DataFrames) become the rows a values file would give."""

import numpy as np
import pandas as pd
import pytest

from jupyterstream.values import inline
from jupyterstream.values import pyvalues
from jupyterstream.errors import ValuesError
from jupyterstream.launch.plan import build_plan

TYPED = "n = 1\nratio = 0.5\nflag = False\ncode = '00'\nxs = [0]\n"


def plan_of(make_notebook, values, param="n", parameters=None):
    return build_plan(make_notebook(TYPED), pyvalues.read(values, param), param, pyvalues.constants(parameters))


def test_a_list_of_values_feeds_param_and_keeps_python_types(make_notebook):
    plan = plan_of(make_notebook, [1, 2])
    assert [job.values for job in plan.jobs] == [{"n": 1}, {"n": 2}] and plan.values_file == "a list of 2 values"


def test_a_python_string_for_a_string_parameter_is_never_coerced(make_notebook):
    assert plan_of(make_notebook, ["06", "7"], param="code").jobs[0].values == {"code": "06"}


def test_a_list_value_for_a_list_parameter_is_one_value(make_notebook):
    plan = plan_of(make_notebook, [[1, 2], [3]], param="xs")
    assert [job.values for job in plan.jobs] == [{"xs": [1, 2]}, {"xs": [3]}]


def test_numpy_and_pandas_scalars_become_python_values(make_notebook):
    plan = plan_of(make_notebook, pd.DataFrame({"n": np.array([1, 2]), "flag": [True, False]}))
    assert plan.jobs[1].values == {"n": 2, "flag": False} and type(plan.jobs[1].values["n"]) is int
    assert plan_of(make_notebook, np.array([5, 6])).jobs[0].id == "5"


def test_a_dict_of_lists_is_a_grid_where_a_single_value_is_the_same_in_every_job(make_notebook):
    plan = plan_of(make_notebook, {"n": [1, 2], "code": "x"})
    assert [job.id for job in plan.jobs] == ["1_x", "2_x"]
    assert plan.grid == "values['n'] (2) × values['code'] (1)"


def test_constants_from_python_keep_their_type_and_stay_out_of_the_id(make_notebook):
    plan = plan_of(make_notebook, [1], parameters={"ratio": 2, "xs": (1, 2)})
    assert plan.jobs[0].id == "1" and plan.jobs[0].values == {"n": 1, "ratio": 2.0, "xs": [1, 2]}


@pytest.mark.parametrize("values, message", [
    ([], "values: an empty list: nothing to run"),
    ([{"n": 1}, {"code": "a"}], "values[1]: sets code but values[0] sets n: give every job the same names"),
    ([{"n": 1}, 5], "values[1]: the value 5 in a list whose first item is a dict"),
    ([{}], "values[0]: an empty dict"),
    ({"n": []}, "values['n']: an empty list: give at least one value, or leave 'n' out"),
    ([3, 3], "values[1]: repeats values[0]: each value (or row) may appear once"),
    (pd.DataFrame({"n": []}), "values: an empty DataFrame: nothing to run"),
])
def test_bad_python_values_are_refused_naming_the_expression_that_reaches_them(values, message):
    with pytest.raises(ValuesError) as caught:
        inline.read(pyvalues.read(values, "n"), "n")
    assert str(caught.value).startswith(message)


def test_a_missing_value_in_a_text_column_is_none_not_the_text_nan(make_notebook):
    frame = pd.DataFrame({"n": [1, 2], "code": ["a", None]})
    with pytest.raises(ValuesError, match=r"^values.iloc\[1\]\['code'\]: null is not a valid str"):
        plan_of(make_notebook, frame)
