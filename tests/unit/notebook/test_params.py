"""params: read a notebook's parameters cell, convert value texts to the defaults' types, inject them."""

import ast
import json
import math

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell

from jupyterstream.notebook import params
from jupyterstream.errors import NotebookError, ParameterError

from ..helpers import notebook, save

NASTY = [
    "",
    "plain",
    "06",
    "it's",
    'say "hi"',
    "'''",
    '"""',
    "back\\slash\\",
    "\\x41\\n",
    "'); import os; os.system(\"x\") #",
    "\"); import os; os.system('x') #",
    "$(touch x)",
    "`touch x`",
    "{state}",
    "%(x)s",
    "line\nbreak",
    "cr\rlf\r\n",
    "tab\there",
    "nul\x00byte",
    "\ud800",
    "lone \udfff low",
    "\u2028 and \u2029",
    "emoji \U0001F600 \u200d\U0001F469",
    "\ufeff BOM inside",
    "right-to-left \u202e",
    " spaces  ",
    "# not a comment",
    "\\",
    "\\'",
]


def rhs_of(source):
    """{name: source text of the right-hand side} for each assignment in a cell's source."""
    tree = ast.parse(source)
    return {node.targets[0].id: ast.get_source_segment(source, node.value) for node in tree.body}


# --- read_notebook ----------------------------------------------------------------------------


def test_read_notebook_returns_a_valid_nbformat4_notebook(make_notebook):
    nb = params.read_notebook(make_notebook("n = 1\n", "print(n)"))
    assert nb.nbformat == 4 and len(nb.cells) == 2
    nbformat.validate(nb)


def test_read_notebook_accepts_nbformat_4_4_without_cell_ids(make_notebook):
    nb = params.read_notebook(make_notebook("n = 1\n", minor=4))
    assert params.read_defaults(nb, "nb") == {"n": 1}


def test_missing_notebook_is_a_notebook_error(tmp_path):
    with pytest.raises(NotebookError, match="no such file"):
        params.read_notebook(tmp_path / "nope.ipynb")


def test_truncated_notebook_is_a_notebook_error_saying_not_valid_json(make_notebook):
    path = make_notebook()
    path.write_text(path.read_text()[:100])
    with pytest.raises(NotebookError, match="not valid JSON") as info:
        params.read_notebook(path)
    assert info.value.path == str(path)


def test_notebook_that_is_not_utf8_is_a_notebook_error(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b'{"cells": ["\xff"]}')
    with pytest.raises(NotebookError, match="not valid JSON"):
        params.read_notebook(path)


@pytest.mark.parametrize("content", [[1, 2], "a string", 3, {"metadata": {}}])
def test_json_that_is_not_a_notebook_is_a_notebook_error(tmp_path, content):
    path = save(content, tmp_path / "nb.ipynb")
    with pytest.raises(NotebookError, match="not a Jupyter notebook"):
        params.read_notebook(path)


def test_nbformat_3_notebook_is_a_notebook_error_saying_how_to_upgrade(tmp_path):
    old = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
           "worksheets": [{"cells": [], "metadata": {}}]}
    path = save(old, tmp_path / "old.ipynb")
    with pytest.raises(NotebookError, match="nbformat 3 is too old") as info:
        params.read_notebook(path)
    assert "upgrade" in str(info.value)


def test_notebook_that_breaks_the_schema_is_a_notebook_error(tmp_path):
    nb = json.loads(json.dumps(notebook()))
    nb["cells"][0]["cell_type"] = "spreadsheet"
    with pytest.raises(NotebookError, match="not a valid notebook"):
        params.read_notebook(save(nb, tmp_path / "bad.ipynb"))


# --- the parameters cell ----------------------------------------------------------------------


def test_parameters_cell_is_found_anywhere():
    nb = notebook("n = 1\n")
    nb.cells.insert(0, new_markdown_cell("# Title"))
    assert params.parameters_cell(nb, "nb") == 1


def test_no_parameters_cell_is_a_notebook_error_saying_how_to_tag_one():
    nb = notebook()
    nb.cells[0].metadata = {}
    with pytest.raises(NotebookError, match="no cell is tagged 'parameters'") as info:
        params.parameters_cell(nb, "nb.ipynb")
    assert str(info.value).startswith("nb.ipynb: ")


def test_two_parameters_cells_is_a_notebook_error_naming_both():
    nb = notebook("a = 1\n", new_code_cell("b = 2\n", metadata={"tags": ["x", "parameters"]}))
    with pytest.raises(NotebookError, match="cells 0, 1 are all tagged 'parameters'"):
        params.parameters_cell(nb, "nb.ipynb")


def test_parameters_tag_on_a_markdown_cell_is_a_notebook_error():
    nb = notebook("a = 1\n")
    nb.cells[0].metadata = {}
    nb.cells.append(new_markdown_cell("a = 2", metadata={"tags": ["parameters"]}))
    with pytest.raises(NotebookError, match="cell 1 is a markdown cell tagged 'parameters'"):
        params.parameters_cell(nb, "nb.ipynb")


def test_parameters_tag_on_a_markdown_cell_is_an_error_even_beside_a_code_cell():
    nb = notebook("a = 1\n", new_markdown_cell("b", metadata={"tags": ["parameters"]}))
    with pytest.raises(NotebookError, match="markdown cell"):
        params.parameters_cell(nb, "nb.ipynb")


def test_parameters_cell_with_invalid_python_is_a_notebook_error():
    with pytest.raises(NotebookError, match="not valid Python"):
        params.read_defaults(notebook("state = (\n"), "nb.ipynb")


def test_read_defaults_reads_literals_annotated_and_chained_assignments():
    source = ("import os\n"
              "n = 1\n"
              "ratio: float = 0.5\n"
              "flag = False\n"
              "code = '06'\n"
              "a = b = None\n"
              "items = [1, 2]\n"
              "path = os.getcwd()\n"
              "x, y = 1, 2\n"
              "declared: int\n"
              "n = 3\n")
    defaults = params.read_defaults(notebook(source), "nb")
    assert defaults == {"n": 3, "ratio": 0.5, "flag": False, "code": "06", "a": None, "b": None,
                        "items": [1, 2], "path": params.NO_LITERAL, "x": 1, "y": 2}


# --- convert ----------------------------------------------------------------------------------


def test_leading_zero_stays_a_string_for_a_str_default():
    assert params.convert("code", "06", "00") == "06"


def test_str_default_keeps_the_text_exactly():
    assert params.convert("s", " 06 \n", "") == " 06 \n"


@pytest.mark.parametrize("text, expected", [("7", 7), (" -3 ", -3), ("06", 6), ("+0", 0)])
def test_int_default_converts_to_int(text, expected):
    value = params.convert("n", text, 1)
    assert value == expected and type(value) is int


@pytest.mark.parametrize("text", ["seven", "1.5", "", "0x10", "True"])
def test_bad_int_is_a_parameter_error_naming_value_parameter_and_default(text):
    with pytest.raises(ParameterError) as info:
        params.convert("n", text, 1)
    assert f"{text!r} is not a valid int for parameter 'n'" in str(info.value)
    assert "default in the notebook is 1" in str(info.value)


@pytest.mark.parametrize("text, expected", [("0.25", 0.25), (" 2 ", 2.0), ("1e3", 1000.0), ("-inf", -math.inf)])
def test_float_default_converts_to_float(text, expected):
    value = params.convert("r", text, 0.5)
    assert value == expected and type(value) is float


def test_float_nan_text_converts_to_nan():
    assert math.isnan(params.convert("r", "nan", 0.5))


def test_bad_float_is_a_parameter_error():
    with pytest.raises(ParameterError, match="'half' is not a valid float for parameter 'r'"):
        params.convert("r", "half", 0.5)


@pytest.mark.parametrize("text, expected", [("true", True), ("True", True), ("1", True), (" YES ", True),
                                            ("false", False), ("0", False), ("No", False)])
def test_bool_default_accepts_true_false_yes_no_1_0(text, expected):
    assert params.convert("flag", text, False) is expected


@pytest.mark.parametrize("text", ["maybe", "", "2", "on"])
def test_bad_bool_is_a_parameter_error(text):
    with pytest.raises(ParameterError, match="not a valid bool for parameter 'flag'"):
        params.convert("flag", text, True)


@pytest.mark.parametrize("text, expected", [("", None), ("None", None), (" None ", None), ("x", "x"), ("0", 0),
                                            ("3", 3), ("False", False), ("2.5", 2.5), ("06", 6)])
def test_none_default_gives_none_for_empty_or_none_else_infers_the_type(text, expected):
    value = params.convert("opt", text, None)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text, default, expected", [
    ("[1, 'a']", [], [1, "a"]),
    ("(1,)", (), (1,)),
    ("{'k': [1]}", {}, {"k": [1]}),
    ("{1, 2}", {0}, {1, 2}),
])
def test_container_defaults_take_a_python_literal(text, default, expected):
    value = params.convert("x", text, default)
    assert value == expected and type(value) is type(default)


@pytest.mark.parametrize("text, default", [("(1, 2)", []), ("[1]", {}), ("__import__('os')", []), ("[1,", [])])
def test_container_of_the_wrong_type_or_not_a_literal_is_a_parameter_error(text, default):
    with pytest.raises(ParameterError, match=f"not a valid {type(default).__name__}"):
        params.convert("x", text, default)


@pytest.mark.parametrize("text, default", [("{[1]: 2}", {}), ("{[1]}", {0})])
def test_unhashable_key_in_a_dict_or_set_value_is_a_parameter_error(text, default):
    with pytest.raises(ParameterError):
        params.convert("x", text, default)


def test_non_literal_default_keeps_a_text_that_is_no_number_bool_or_none():
    assert params.convert("p", "/tmp/x", params.NO_LITERAL) == "/tmp/x"


def test_unknown_parameter_is_an_error_listing_the_known_ones():
    with pytest.raises(ParameterError) as info:
        params.check_names(["state", "county"], {"state": "CA", "year": 2000}, "nb.ipynb")
    message = str(info.value)
    assert "nb.ipynb" in message and "no parameter 'county'" in message
    assert "defines: state, year" in message


def test_unknown_parameter_with_no_parameters_says_none():
    with pytest.raises(ParameterError, match=r"defines: \(none\)"):
        params.check_names(["a"], {}, "nb.ipynb")


def test_known_parameters_pass():
    params.check_names(["a", "b"], {"a": 1, "b": 2, "c": 3}, "nb.ipynb")


# --- literal ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", NASTY)
def test_literal_of_a_nasty_string_evaluates_back_to_exactly_that_string(text):
    source = params.literal(text)
    assert ast.literal_eval(source) == text
    assert isinstance(ast.parse(source, mode="eval").body, ast.Constant)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_literal_of_any_text_is_a_string_constant_that_evaluates_back_to_it(text):
    source = params.literal(text)
    assert isinstance(ast.parse(source, mode="eval").body, ast.Constant)
    assert ast.literal_eval(source) == text


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(), lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=12))
def test_literal_of_json_like_values_evaluates_back_to_them(value):
    assert ast.literal_eval(params.literal(value)) == value


@pytest.mark.parametrize("value, source", [(math.nan, "float('nan')"), (math.inf, "float('inf')"),
                                           (-math.inf, "float('-inf')")])
def test_literal_of_nan_and_infinities_is_a_float_call(value, source):
    assert params.literal(value) == source
    result = eval(source, {"__builtins__": {"float": float}})
    assert type(result) is float and (math.isnan(result) if value != value else result == value)


@pytest.mark.parametrize("value", [0, -1, 10 ** 30, 0.1, -0.0, 1e-300, True, None, [1, "a"], (1,), {"a": [None]}])
def test_literal_of_plain_values_round_trips(value):
    assert ast.literal_eval(params.literal(value)) == value


def test_literal_refuses_a_value_with_no_literal():
    with pytest.raises(ParameterError, match="cannot be written as a Python literal"):
        params.literal(_Odd())


class _Odd:
    """An object whose repr is the literal of something else."""

    def __repr__(self):
        return "1"


def test_list_value_holding_infinity_can_be_injected():
    value = params.convert("xs", "[1e999]", [])
    nb = params.inject(notebook("xs = []\n"), {"xs": value}, {"xs": "[1e999]"})
    assert "xs = " in nb.cells[1].source


# --- inject -----------------------------------------------------------------------------------


def injected(nb):
    return [c for c in nb.cells if params.INJECTED_TAG in c.metadata.get("tags", [])]


def test_inject_puts_the_injected_cell_right_after_the_parameters_cell():
    nb = notebook("state = 'CA'\n", "print(state)")
    nb.cells.insert(0, new_markdown_cell("# Title"))
    out = params.inject(nb, {"state": "AL"}, {"state": "AL"})
    assert [c.source for c in out.cells[:2]] == ["# Title", "state = 'CA'\n"]
    assert out.cells[2].metadata["tags"] == [params.INJECTED_TAG]
    assert out.cells[2].cell_type == "code" and out.cells[2].outputs == []
    assert out.cells[3].source == "print(state)"
    assert rhs_of(out.cells[2].source) == {"state": "'AL'"}


def test_injected_cell_assigns_every_value_as_a_literal():
    values = {"n": 7, "r": 0.25, "flag": True, "code": "06", "opt": None, "xs": [1, 2]}
    out = params.inject(notebook("n = 1\n"), values, {k: str(v) for k, v in values.items()})
    sources = rhs_of(injected(out)[0].source)
    assert {k: ast.literal_eval(v) for k, v in sources.items()} == values


def test_injecting_nasty_strings_gives_only_assignments_of_those_exact_strings():
    values = {f"v{i}": text for i, text in enumerate(NASTY)}
    out = params.inject(notebook("v0 = ''\n"), values, values)
    tree = ast.parse(injected(out)[0].source)
    assert all(isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) for node in tree.body)
    assert {node.targets[0].id: node.value.value for node in tree.body} == values


def test_injecting_twice_keeps_one_injected_cell_with_the_new_values():
    once = params.inject(notebook("state = 'CA'\n", "print(state)"), {"state": "AL"}, {"state": "AL"})
    twice = params.inject(once, {"state": "TX"}, {"state": "TX"})
    assert len(injected(twice)) == 1 and len(twice.cells) == 3
    assert rhs_of(twice.cells[1].source) == {"state": "'TX'"}


def test_inject_replaces_an_older_injected_cell_wherever_it_is():
    nb = notebook("state = 'CA'\n", "print(state)",
                  new_code_cell("state = 'OLD'\n", metadata={"tags": [params.INJECTED_TAG]}))
    out = params.inject(nb, {"state": "AL"}, {"state": "AL"})
    assert len(injected(out)) == 1 and out.cells.index(injected(out)[0]) == 1
    assert "OLD" not in json.dumps(out)


def test_inject_drops_the_error_banners_papermill_left_in_a_notebook_it_ran(tmp_path):
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    clean = notebook("state = 'CA'\n", "print(state)", "1 / 0", "print('after')")
    failed = params.copy.deepcopy(clean)
    failed.cells[2].execution_count = 3
    failed.cells[2].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                                      traceback=[])]
    with pytest.raises(PapermillExecutionError):  # papermill writes its banners, then raises
        raise_for_execution_errors(failed, str(tmp_path / "failed.ipynb"))
    banners = nbformat.read(str(tmp_path / "failed.ipynb"), as_version=4)
    assert len(banners.cells) == len(clean.cells) + 2
    out = params.inject(banners, {"state": "AL"}, {"state": "AL"})
    assert [c.source for c in out.cells] == ["state = 'CA'\n", injected(out)[0].source, "print(state)", "1 / 0",
                                             "print('after')"]
    from jupyterstream.launch.plan import notebook_hash
    assert notebook_hash(banners) == notebook_hash(clean)  # the same notebook, the same runs


def test_inject_records_values_texts_and_extra_metadata():
    out = params.inject(notebook("n = 1\n"), {"n": 7}, {"n": "07"}, {"job": "07", "identity": "abc"})
    assert out.metadata["jupyterstream"] == {"parameters": {"n": 7}, "environment": {"n": "07"},
                                             "job": "07", "identity": "abc"}


def test_inject_leaves_the_original_notebook_untouched():
    nb = notebook("n = 1\n", "print(n)")
    before = json.dumps(nb, sort_keys=True)
    params.inject(nb, {"n": 2}, {"n": "2"})
    assert json.dumps(nb, sort_keys=True) == before


def test_injected_notebook_is_valid_nbformat_4_5_with_unique_cell_ids():
    out = params.inject(notebook("n = 1\n", "print(n)", "n += 1"), {"n": 2}, {"n": "2"})
    nbformat.validate(out)
    ids = [c.id for c in out.cells]
    assert len(set(ids)) == len(ids) and out.cells[1].id == params.INJECTED_TAG


def test_injected_nbformat_4_4_notebook_stays_valid_without_cell_ids():
    out = params.inject(notebook("n = 1\n", "print(n)", minor=4), {"n": 2}, {"n": "2"})
    assert out.nbformat_minor == 4 and all("id" not in c for c in out.cells)
    nbformat.validate(out)


def test_injected_notebook_survives_a_json_round_trip_through_nbformat():
    values = {"s": "\ud800 nul\x00 \u2028"}
    out = params.inject(notebook("s = ''\n"), values, values)
    again = nbformat.reads(json.dumps(out, ensure_ascii=True), as_version=4)
    assert ast.literal_eval(rhs_of(again.cells[1].source)["s"]) == values["s"]


def test_inject_without_a_parameters_cell_puts_the_injected_cell_at_the_top():
    nb = notebook("import os\n", "print(os.environ['state'])")
    nb.cells[0].metadata = {}
    out = params.inject(nb, {"state": "AL"}, {"state": "AL"})
    assert out.cells[0].metadata["tags"] == [params.INJECTED_TAG]
    assert rhs_of(out.cells[0].source) == {"state": "'AL'"}
    assert [c.source for c in out.cells[1:]] == ["import os\n", "print(os.environ['state'])"]


def test_injecting_twice_without_a_parameters_cell_keeps_one_cell_at_the_top():
    nb = notebook("import os\n")
    nb.cells[0].metadata = {}
    twice = params.inject(params.inject(nb, {"s": "a"}, {"s": "a"}), {"s": "b"}, {"s": "b"})
    assert len(injected(twice)) == 1 and twice.cells.index(injected(twice)[0]) == 0
    assert rhs_of(twice.cells[0].source) == {"s": "'b'"}


def test_inject_records_the_values_as_papermill_parameters_dropping_a_stale_papermill_run():
    nb = notebook("n = 1\n", "print(n)")
    nb.metadata["papermill"] = {"parameters": {"n": 1}, "exception": True, "duration": 3.2}
    nb.cells[1].metadata["papermill"] = {"status": "failed", "exception": True}
    out = params.inject(nb, {"n": 7, "r": float("inf")}, {"n": "7", "r": "inf"})
    assert out.metadata["papermill"] == {"parameters": {"n": 7, "r": "inf"}}
    assert all("papermill" not in c.metadata for c in out.cells)
