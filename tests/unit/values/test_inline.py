"""inline: ':::' groups and '::::' files on the command line, -p constants, and their plan."""

from pathlib import Path

import pytest

from jupyterstream.values import inline
from jupyterstream.errors import ParameterError, ValuesError
from jupyterstream.launch.plan import build_plan

TYPED = "n = 1\nratio = 0.5\nflag = False\ncode = '00'\n"


def texts(plan):
    return [job.texts for job in plan.jobs]


def test_words_before_any_triple_colon_are_files_and_each_group_keeps_its_words():
    sources = inline.split(["a.txt", ":::", "AL", "CA", ":::", "1990"])
    assert sources == [Path("a.txt"), inline.Group(1, ("AL", "CA")), inline.Group(2, ("1990",))]


def test_each_word_after_four_colons_is_a_values_file_of_its_own():
    assert inline.split([":::", "x", "::::", "a.txt", "b.txt"]) == [inline.Group(1, ("x",)), Path("a.txt"),
                                                                   Path("b.txt")]


@pytest.mark.parametrize("words, where", [([":::"], "':::' group 1: no values after ':::'"),
                                          ([":::", "a", ":::"], "':::' group 2: no values after ':::'"),
                                          (["::::"], "'::::': no file after '::::'")])
def test_a_group_with_nothing_after_it_is_refused_by_name(words, where):
    with pytest.raises(ValuesError, match=f"^{where}"):
        inline.split(words)


def test_inline_values_are_typed_like_a_files_lines_and_strings_are_never_coerced(make_notebook):
    plan = build_plan(make_notebook(TYPED), inline.split([":::", "06", "07"]), param="code")
    assert [job.values for job in plan.jobs] == [{"code": "06"}, {"code": "07"}]
    plan = build_plan(make_notebook(TYPED), inline.split([":::", "06"]), param="n")
    assert plan.jobs[0].values == {"n": 6}


def test_a_bad_inline_value_is_named_by_its_group_and_place(make_notebook):
    with pytest.raises(ValuesError, match=r"^':::' group 2, value 3: 'x' is not a valid int for parameter 'n'"):
        build_plan(make_notebook(TYPED), inline.split([":::", "06", ":::", "1", "2", "x"]), param="code n")


def test_a_repeated_inline_value_is_refused_with_both_places():
    with pytest.raises(ValuesError, match=r"^':::' group 1, value 3: 'AL' repeats value 1"):
        inline.read(inline.split([":::", "AL", "CA", "AL"]), "state")


def test_two_groups_make_a_grid_in_parallels_order_with_ids_of_the_values(make_notebook):
    plan = build_plan(make_notebook(TYPED), inline.split([":::", "1", "2", ":::", "a", "b"]), param="n code")
    assert [job.id for job in plan.jobs] == ["1_a", "1_b", "2_a", "2_b"]
    assert plan.grid == "':::' group 1 (2) × ':::' group 2 (2)"
    assert plan.values_file == "::: 1 2 × ::: a b"


def test_a_file_and_a_group_make_a_grid_and_the_file_keeps_its_line(make_notebook, write_file):
    states = write_file("states.txt", "AL\nCA\n")
    with pytest.raises(ValuesError, match=r"':::' group 1, value 2: 'x' is not a valid int"):
        build_plan(make_notebook("state = ''\nn = 1\n"), inline.split([str(states), ":::", "1", "x"]),
                   param="state n")
    plan = build_plan(make_notebook("state = ''\nn = 1\n"), inline.split(["::::", str(states), ":::", "1"]),
                      param="state n")
    assert texts(plan) == [{"state": "AL", "n": "1"}, {"state": "CA", "n": "1"}]


def test_one_name_per_group_is_asked_for_when_they_do_not_match():
    with pytest.raises(ValuesError, match=r"^PARAM: 1 parameter name\(s\) \(state\) for 2 one-column values "
                                          r"file\(s\) or ':::' group\(s\)"):
        inline.read(inline.split([":::", "a", ":::", "b"]), "state")


def test_constants_reach_every_job_typed_but_stay_out_of_its_id_and_label(make_notebook):
    given = inline.constants([("code", "06"), ("ratio", "0.25")])
    plan = build_plan(make_notebook(TYPED), inline.split([":::", "1", "2"]), "n", given)
    assert [job.id for job in plan.jobs] == ["1", "2"] and plan.jobs[0].label() == "1"
    assert plan.jobs[1].values == {"n": 2, "code": "06", "ratio": 0.25}


def test_a_constant_changes_each_jobs_identity_so_a_sweep_with_another_reruns(make_notebook):
    nb = make_notebook(TYPED)
    plain = build_plan(nb, inline.split([":::", "1"]), "n")
    one = build_plan(nb, inline.split([":::", "1"]), "n", inline.constants([("code", "01")]))
    two = build_plan(nb, inline.split([":::", "1"]), "n", inline.constants([("code", "02")]))
    assert len({plain.jobs[0].identity, one.jobs[0].identity, two.jobs[0].identity}) == 3


def test_a_constant_that_does_not_fit_its_type_names_the_dash_p(make_notebook):
    with pytest.raises(ValuesError, match=r"^-p ratio: 'x' is not a valid float for parameter 'ratio'"):
        build_plan(make_notebook(TYPED), inline.split([":::", "1"]), "n", inline.constants([("ratio", "x")]))


def test_an_unknown_constant_lists_the_notebooks_parameters(make_notebook):
    with pytest.raises(ParameterError, match=r"no parameter 'rate' \(from -p\); its parameters cell defines: "
                                             r"n, ratio, flag, code"):
        build_plan(make_notebook(TYPED), inline.split([":::", "1"]), "n", inline.constants([("rate", "1")]))


def test_a_constant_also_in_the_values_is_refused_naming_both_places(make_notebook, write_file):
    grid = write_file("g.csv", "n,code\n1,a\n")
    with pytest.raises(ValuesError, match=r"^-p code: 'code' is given both as a constant and in the values "
                                          r"\(.*g.csv:2\): give it in one place only"):
        build_plan(make_notebook(TYPED), grid, "n", inline.constants([("code", "06")]))


@pytest.mark.parametrize("name", ["a b", "1x", "class", "None", ""])
def test_a_constant_whose_name_is_not_an_identifier_is_refused(name):
    with pytest.raises(ParameterError, match=r"is not a valid parameter name: use a Python identifier"):
        inline.constants([(name, "1")])


def test_a_constant_given_twice_is_refused():
    with pytest.raises(ParameterError, match=r"^-p k: given twice \('1', then '2'\)"):
        inline.constants([("k", "1"), ("k", "2")])


def test_make_style_pairs_split_at_the_first_equals_sign():
    assert inline.set_pairs(["k=2", "expr=a=b", "empty="]) == [("k", "2"), ("expr", "a=b"), ("empty", "")]
    with pytest.raises(ParameterError, match=r"no '=' in it: write NAME=VALUE"):
        inline.set_pairs(["k"])
