"""YAML and JSON values files: a list of mappings (one job each) or a mapping of lists (a grid),
typed as CSV text where the notebook's default gives the type, by the file where it gives none."""

import math

import pytest

from jupyterstream.errors import ParameterError, ValuesError
from jupyterstream.launch.plan import build_plan
from jupyterstream.values.read import read_values
from jupyterstream.values.yamlfile import core_value


def texts(rows):
    return [row.texts for row in rows]


def values_of(plan):
    return [job.values for job in plan.jobs]


# --- the two shapes ---------------------------------------------------------------------------


def test_a_yaml_list_of_mappings_is_one_job_each_with_the_line_each_starts_on(write_file):
    rows = read_values(write_file("p.yaml", "# jobs\n- state: AL\n  year: 1990\n- {state: CA, year: 2000}\n"))
    assert texts(rows) == [{"state": "AL", "year": "1990"}, {"state": "CA", "year": "2000"}]
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].place("year", "p.yaml")[1] == 3


def test_a_json_list_of_objects_is_one_job_each_with_the_line_each_starts_on(write_file):
    rows = read_values(write_file("p.json", '[\n  {"state": "AL", "n": 1},\n  {"state": "CA", "n": 2}\n]\n'))
    assert texts(rows) == [{"state": "AL", "n": "1"}, {"state": "CA", "n": "2"}]
    assert [r.line for r in rows] == [2, 3]


def test_a_json_grid_value_on_its_own_line_is_named_by_that_line(write_file):
    rows = read_values(write_file("g.json", '{"n": [\n  1,\n  2\n]}'))
    assert [r.place("n", "g.json")[1] for r in rows] == [2, 3]


def test_entries_take_the_first_entrys_order_of_names(write_file):
    rows = read_values(write_file("p.yaml", "- {a: 1, b: 2}\n- {b: 4, a: 3}\n"))
    assert [list(r.texts.items()) for r in rows] == [[("a", "1"), ("b", "2")], [("a", "3"), ("b", "4")]]


def test_a_mapping_of_lists_is_every_combination_the_last_list_varying_fastest(write_file):
    rows = read_values(write_file("g.yaml", "state: [AL, CA]\nyear: [1990, 2000, 2010]\n"))
    assert [(r.texts["state"], r.texts["year"]) for r in rows] == [
        ("AL", "1990"), ("AL", "2000"), ("AL", "2010"), ("CA", "1990"), ("CA", "2000"), ("CA", "2010")]


def test_a_json_object_of_arrays_is_a_grid_too(write_file):
    rows = read_values(write_file("g.json", '{"a": [1, 2], "b": ["x"]}'))
    assert texts(rows) == [{"a": "1", "b": "x"}, {"a": "2", "b": "x"}]


def test_a_single_value_in_a_grid_is_the_same_in_every_job_so_a_papermill_params_file_is_one_job(write_file):
    assert texts(read_values(write_file("p.yaml", "alpha: 0.5\nname: run\n"))) == [{"alpha": "0.5", "name": "run"}]
    rows = read_values(write_file("g.yaml", "alpha: 0.5\nstate:\n  - AL\n  - CA\n"))
    assert texts(rows) == [{"alpha": "0.5", "state": "AL"}, {"alpha": "0.5", "state": "CA"}]
    assert rows[1].place("state", "g.yaml")[1] == 4


# --- typing -----------------------------------------------------------------------------------


TYPED = "n = 1\nratio = 0.5\nflag = False\ncode = '00'\n"


def test_yaml_values_for_typed_parameters_convert_their_text_as_a_csv_field_does(make_notebook, write_file):
    plan = build_plan(make_notebook(TYPED), write_file("p.yaml", "- {n: 7, ratio: 1, flag: yes, code: 06}\n"
                                                                 "- {n: '8', ratio: .5, flag: 'no', code: 12:30}\n"))
    assert values_of(plan) == [{"n": 7, "ratio": 1.0, "flag": True, "code": "06"},
                               {"n": 8, "ratio": 0.5, "flag": False, "code": "12:30"}]


@pytest.mark.parametrize("text", ["06", "08", "no", "on", "12:30", "1_000", "0x1F", "1e3", "True", ".5", "'null'"])
def test_a_yaml_scalar_reaches_a_str_parameter_exactly_as_written(make_notebook, write_file, text):
    plan = build_plan(make_notebook("code = 'x'\n"), write_file("p.yaml", f"- code: {text}\n"))
    assert plan.jobs[0].values == {"code": text.strip("'")}


def test_json_numbers_keep_their_source_text_for_a_str_parameter(make_notebook, write_file):
    values = write_file("p.json", '[{"code": 1.0}, {"code": 1E3}, {"code": 6}]')
    plan = build_plan(make_notebook("code = 'x'\n"), values)
    assert [v["code"] for v in values_of(plan)] == ["1.0", "1E3", "6"]


@pytest.mark.parametrize("text, value", [
    ("3", 3), ("'3'", "3"), ("06", 6), ("-2", -2), ("0o17", 15), ("0x1F", 31), ("1.5", 1.5), ("1e3", 1000.0),
    ("true", True), ("False", False), ("no", "no"), ("on", "on"), ("12:30", "12:30"), ("1_000", "1_000"),
    ("null", None), ("~", None), ("", None), ("'null'", "null"), ("None", "None"), ("[1, b]", [1, "b"]),
    ("{k: 1}", {"k": 1}), ("!!str 3", "3"), ("|\n    two\n    lines", "two\nlines\n")])
def test_where_the_default_gives_no_type_a_yaml_value_keeps_its_yaml_1_2_type(make_notebook, write_file, text, value):
    plan = build_plan(make_notebook("x = None\ny = len('ab')\n"), write_file("p.yaml", f"- x: {text}\n  y: {text}\n"))
    assert plan.jobs[0].values == {"x": value, "y": value}


@pytest.mark.parametrize("text, value", [("3", 3), ('"3"', "3"), ("1.0", 1.0), ("true", True), ("null", None),
                                         ('[1, "a", null]', [1, "a", None]), ('{"k": [true]}', {"k": [True]})])
def test_where_the_default_gives_no_type_a_json_value_keeps_its_json_type(make_notebook, write_file, text, value):
    plan = build_plan(make_notebook("x = None\n"), write_file("p.json", f'[{{"x": {text}}}]'))
    assert plan.jobs[0].values == {"x": value}


def test_non_finite_yaml_floats_are_read_by_the_core_schema():
    assert core_value(".inf") == math.inf and core_value("-.Inf") == -math.inf and math.isnan(core_value(".NaN"))


def test_lists_and_mappings_fill_list_tuple_set_and_dict_parameters(make_notebook, write_file):
    nb = make_notebook("xs = [0]\npair = (0, 0)\ntags = {'a'}\nopts = {}\n")
    plan = build_plan(nb, write_file("p.yaml", "- xs: [1, two, 3.5]\n  pair: [1, 2]\n  tags: [a, b]\n"
                                               "  opts: {depth: 2, name: '06'}\n"))
    assert plan.jobs[0].values == {"xs": [1, "two", 3.5], "pair": (1, 2), "tags": {"a", "b"},
                                   "opts": {"depth": 2, "name": "06"}}
    assert plan.jobs[0].texts["xs"] == "[1, 'two', 3.5]"


def test_in_a_grid_a_nested_list_is_one_list_value(make_notebook, write_file):
    plan = build_plan(make_notebook("xs = [0]\n"), write_file("g.yaml", "xs: [[1, 2], [3]]\n"))
    assert values_of(plan) == [{"xs": [1, 2]}, {"xs": [3]}]


# --- errors: each names the file and line, and says what to do ---------------------------------


def refused(make_notebook, write_file, name, content, parameters=TYPED, error=ValuesError):
    path = write_file(name, content)
    with pytest.raises(error) as info:
        build_plan(make_notebook(parameters), path)
    return str(info.value).replace(str(path), name)


def test_a_list_where_a_str_is_needed_is_refused_naming_line_and_parameter(make_notebook, write_file):
    message = refused(make_notebook, write_file, "p.yaml", "- {code: a}\n- code: [1, 2]\n")
    assert message.startswith("p.yaml:2: a list is not a valid str for parameter 'code'") and "in quotes" in message


def test_a_mapping_where_an_int_is_needed_is_refused(make_notebook, write_file):
    message = refused(make_notebook, write_file, "p.json", '[\n{"n": 1},\n{"n": {"a": 1}}\n]')
    assert message.startswith("p.json:3: a mapping is not a valid int for parameter 'n'")


def test_a_scalar_for_a_list_parameter_in_a_grid_says_how_to_give_one_list(make_notebook, write_file):
    message = refused(make_notebook, write_file, "g.yaml", "xs: [1, 2]\n", parameters="xs = [0]\n")
    assert message.startswith("g.yaml:1: '1' is not a valid list for parameter 'xs'") and "[[1, 2]]" in message


@pytest.mark.parametrize("null", ["~", "null", "", "NULL"])
def test_null_for_a_typed_parameter_is_refused_not_turned_into_text(make_notebook, write_file, null):
    message = refused(make_notebook, write_file, "p.yaml", f"- n: 1\n  code: a\n- n: 2\n  code: {null}\n")
    assert message.startswith("p.yaml:4: null is not a valid str for parameter 'code'") and "in quotes" in message
    message = refused(make_notebook, write_file, "p.json", '[{"n": null}]')
    assert message.startswith("p.json:1: null is not a valid int for parameter 'n'")


def test_an_unknown_key_names_its_file_and_line_and_the_notebooks_parameters(make_notebook, write_file):
    message = refused(make_notebook, write_file, "p.yaml", "- n: 1\n  county: King\n", error=ParameterError)
    assert message.startswith("p.yaml:2: ") and "no parameter 'county'" in message and "defines: n, ratio" in message


@pytest.mark.parametrize("name, content, fragment", [
    ("p.yaml", "[]\n", "p.yaml:1: an empty list: nothing to run"),
    ("p.json", "[]", "p.json:1: an empty list: nothing to run"),
    ("p.yaml", "{}\n", "p.yaml:1: an empty mapping: nothing to run"),
    ("p.yaml", "# nothing yet\n", "p.yaml: no values: the file is empty"),
    ("p.json", " \n", "p.json: no values: the file is empty"),
    ("p.yaml", "just text\n", "p.yaml:1: the file holds a single value: write a list of mappings"),
    ("p.yaml", "- {n: 1}\n- n: 2\n- {n: 1}\n", "p.yaml:3: duplicate of line 1"),
    ("p.json", '[{"n": 1},\n {"n": 1}]', "p.json:2: duplicate of line 1"),
    ("p.yaml", "- {n: 1}\n- 2\n", "p.yaml:2: this entry is a single value, not a mapping"),
    ("p.yaml", "- {n: 1}\n- {}\n", "p.yaml:2: this entry is an empty mapping"),
    ("p.yaml", "- {n: 1, code: a}\n- {n: 2}\n", "p.yaml:2: this entry sets n but the first one (line 1) sets n, code"),
    ("g.yaml", "n: [1, 2]\ncode: []\n", "g.yaml:2: the list for 'code' is empty: give it at least one value, or "
                                        "leave 'code' out"),
    ("g.yaml", "n: [1, 2,\n  1]\n", "g.yaml:2: duplicate of line 1: 'n' lists this value twice"),
    ("p.yaml", "- n: 1\n  n: 2\n", "p.yaml:2: the key 'n' appears twice"),
    ("p.json", '[\n{"n": 1, "n": 2}]', "p.json:2: the key 'n' appears twice"),
    ("p.json", '[{"n": 1},\n {"n": 2, "xs": {"a": 1, "a": 2}}]', "p.json:2: the key 'a' appears twice"),
    ("p.json", '[{"n": 1}\n {"n": 2}]', "p.json:2: not valid JSON: expected ','"),
    ("p.json", '[{"n": 1}] []', "p.json:1: not valid JSON: more text after the value"),
    ("p.json", '{"n": [1, 2],\n "code": [\n]}', "p.json:2: the list for 'code' is empty"),
    ("p.yaml", "- n: 1\n- n: [2\n", "p.yaml:3: not valid YAML"),
    ("p.json", '[{"n": 1},\n{"n": }]', "p.json:2: not valid JSON"),
    ("p.json", '[{"n": NaN}]', "p.json:1: NaN is not JSON: write it as a string"),
    ("p.yaml", "- class: 1\n", "p.yaml:1: 'class' is not a valid parameter name"),
    ("p.yaml", "- {1: a}\n", "p.yaml:1: '1' is not a valid parameter name"),
    ("p.yaml", "- n: !!int 3\n", "p.yaml:1: the YAML tag 'tag:yaml.org,2002:int' is not read here"),
    ("p.yaml", "- &a [*a]\n", "p.yaml:1: an alias here contains itself"),
    ("p.yaml", "---\n- n: 1\n---\n- n: 2\n", "p.yaml:3: not valid YAML: but found another document"),
])
def test_a_bad_yaml_or_json_file_is_refused_naming_file_line_and_what_to_do(make_notebook, write_file, name,
                                                                           content, fragment):
    message = refused(make_notebook, write_file, name, content)
    assert message.startswith(fragment), message


def test_a_billion_laughs_yaml_file_is_refused_not_expanded(write_file):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    with pytest.raises(ValuesError, match="repeats too much"):
        read_values(write_file("bomb.yaml", "\n".join(lines) + "\n"))


def test_a_grid_of_more_than_a_million_jobs_is_refused_before_it_is_built(write_file):
    axis = "[" + ", ".join(map(str, range(101))) + "]"
    with pytest.raises(ValuesError, match=r"the grid makes 1,030,301 jobs \(101 × 101 × 101\)"):
        read_values(write_file("g.yaml", f"a: {axis}\nb: {axis}\nc: {axis}\n"))


def test_a_default_of_another_type_gets_the_text_as_a_csv_field_would(make_notebook, write_file):
    yaml_message = refused(make_notebook, write_file, "p.yaml", "- z: 3\n", parameters="z = 1j\n")
    csv_message = refused(make_notebook, write_file, "p.csv", "z\n3\n", parameters="z = 1j\n")
    assert yaml_message.startswith("p.yaml:1: ") and csv_message.startswith("p.csv:2: ")
    assert yaml_message[len("p.yaml:1: "):] == csv_message[len("p.csv:2: "):]
    assert "'3' is not a valid complex for parameter 'z'" in csv_message
