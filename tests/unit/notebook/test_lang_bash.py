"""lang.bash: a bash parameters cell read as text defaults; values written back quoted, never expanded."""

import pytest

from jupyterstream.notebook import params
from jupyterstream.errors import NotebookError, ParameterError
from jupyterstream.notebook.lang import bash

CELL = '''# defaults for one run
state="CA"   # a state code
plain=CA
n=10
declare -i count=3
export region='West coast' # where
readonly fixed="a b";
declare -r also=1
local kind="a b";
empty=
when=$(date +%Y)
home="$HOME/data"
literal='$HOME'
hash="a#b"
escaped=a\\ b
names=(a 'b c' d)
echo "not a parameter"
'''


def test_bash_cell_defaults_are_texts_except_declare_i_and_arrays_and_read_only_ones_are_no_parameters():
    assert bash.read_defaults(CELL, "nb.ipynb") == {
        "state": "CA", "plain": "CA", "n": "10", "count": 3, "region": "West coast", "kind": "a b",
        "empty": "", "when": "$(date +%Y)", "home": '"$HOME/data"', "literal": "$HOME", "hash": "a#b",
        "escaped": "a b", "names": ["a", "b c", "d"]}


def test_bash_values_keep_their_text_exactly_even_when_they_look_typed():
    defaults = bash.read_defaults("n=10\nflag=false\nwhen=$(date)\n", "nb.ipynb")
    values = {name: params.convert(name, text, defaults[name]) for name, text in
              [("n", "06"), ("flag", "False"), ("when", "1e3")]}
    assert values == {"n": "06", "flag": "False", "when": "1e3"}


def test_declare_i_default_refuses_a_value_that_is_not_an_integer():
    default = bash.read_defaults("declare -i count=3\n", "nb.ipynb")["count"]
    with pytest.raises(ParameterError, match="'count'"):
        params.convert("count", "3; touch x", default)


def test_unclosed_bash_quote_is_a_notebook_error_naming_the_line():
    with pytest.raises(NotebookError, match=r"nb.ipynb.*not valid bash on line 2"):
        bash.read_defaults('a=1\nb="open\n', "nb.ipynb")


def test_injected_bash_cell_exports_each_scalar_and_assigns_arrays():
    source = bash.cell_source({"state": "NY", "n": 3, "flag": True, "none": None, "names": ["a", "b'c"]})
    assert source.splitlines()[2:] == ["export state='NY'", "export n='3'", "export flag='true'",
                                       "export none=''", "names=('a' 'b'\\''c')"]


def test_injected_bash_cell_first_drops_integer_and_nameref_attributes_of_text_values_only():
    source = bash.cell_source({"state": "NY", "n": 3, "flag": True, "names": ["a"]})
    assert source.splitlines()[1] == "declare +i +n state flag names"


@pytest.mark.parametrize("text, source", [
    ("", "''"), ("it's", "'it'\\''s'"), ("$(touch x) `y` \\ !z", "'$(touch x) `y` \\ !z'"),
    ("a\nb", "$'a\\x0ab'"), ("tab\there", "$'tab\\x09here'"), ("\u00e9'!\\", "$'\\xc3\\xa9\\x27\\x21\\x5c'"),
])
def test_bash_quote_uses_single_quotes_for_printable_ascii_and_byte_escapes_otherwise(text, source):
    assert bash.quote(text) == source


@pytest.mark.parametrize("name, value, problem", [
    ("state", "a\x00b", "NUL"), ("state", "\udc80", "surrogate"), ("state", {"k": 1}, "cannot be a bash value"),
    ("bad-name", "x", "not a bash variable name"), ("x;touch y", "x", "not a bash variable name"),
])
def test_value_or_name_bash_cannot_hold_is_a_parameter_error_naming_the_parameter(name, value, problem):
    with pytest.raises(ParameterError, match=f"parameter '{name}'.*{problem}|parameter {name!r} is {problem}"):
        bash.cell_source({name: value})
