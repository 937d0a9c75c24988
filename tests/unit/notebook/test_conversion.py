"""conversion: a value's type comes from its default; with none, papermill's command-line rules
infer it; a value for a notebook that reads the environment stays text."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterstream.notebook.convert import FROM_ENVIRONMENT, INFERRED, convert, infer, type_name
from jupyterstream.errors import ParameterError
from jupyterstream.notebook.lang.python_source import NO_LITERAL
from jupyterstream.runner.job import ENV_LIMIT

# papermill's own `-p` cases (its tests of _resolve_type) and the edges of int() and float().
PAPERMILL_CASES = [
    ("True", True), ("False", False), ("None", None), ("12.51", 12.51), ("10", 10),
    ("hello world", "hello world"), ("\U0001F60D", "\U0001F60D"),
    ("06", 6), ("1_000", 1000), (" 3 ", 3), ("-4", -4), ("1e3", 1000.0), ("inf", math.inf),
    ("true", "true"), ("yes", "yes"), ("", ""), ("0x10", "0x10"), ("[1, 2]", "[1, 2]"),
]


@pytest.mark.parametrize("text, expected", PAPERMILL_CASES)
def test_infer_follows_papermills_command_line_rules(text, expected):
    value = infer(text)
    assert value == expected and type(value) is type(expected)


def test_infer_gives_a_float_nan_for_nan():
    assert math.isnan(infer("nan"))


def test_a_csv_row_for_untyped_defaults_arrives_typed_so_false_is_false():
    assert convert("threshold", "3", None) == 3
    assert convert("run_fast", "False", NO_LITERAL) is False


def test_a_str_default_keeps_the_text_where_inference_would_change_it():
    assert convert("code", "06", "00") == "06" and infer("06") == 6


def test_an_empty_value_for_a_none_default_is_none_but_for_a_non_literal_the_empty_text():
    assert convert("opt", " ", None) is None
    assert convert("opt", "", NO_LITERAL) == ""


@pytest.mark.parametrize("text", ["3", "False", "None", "", " spaced ", "06"])
def test_a_value_read_from_the_environment_stays_exactly_its_text(text):
    assert convert("state", text, FROM_ENVIRONMENT) == text


@pytest.mark.parametrize("text", ["nul\x00byte", "x" * ENV_LIMIT])
def test_a_value_no_environment_variable_can_hold_is_refused_for_a_notebook_that_reads_the_environment(text):
    with pytest.raises(ParameterError, match=r"cannot reach the notebook: it reads 'state' from the environment.*"
                                             r"tag a cell 'parameters' that defines 'state'"):
        convert("state", text, FROM_ENVIRONMENT)


@pytest.mark.parametrize("default, name", [(1, "int"), ("", "str"), (None, INFERRED), (NO_LITERAL, INFERRED),
                                           ([], "list"), (False, "bool"), (FROM_ENVIRONMENT, "str (environment)")])
def test_type_name_says_what_a_parameters_values_become(default, name):
    assert type_name(default) == name


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.sampled_from([t for t, _ in PAPERMILL_CASES]),
                 st.from_regex(r"\A[ +-]?[0-9_]{1,6}(\.[0-9]*)?(e[0-9]+)?[ ]?\Z")))
def test_infer_agrees_with_papermills_own_parsing_of_p_values(text):
    from papermill.cli import _resolve_type

    ours, theirs = infer(text), _resolve_type(text)
    assert type(ours) is type(theirs)
    assert ours == theirs or ours != ours and theirs != theirs  # nan is nan
