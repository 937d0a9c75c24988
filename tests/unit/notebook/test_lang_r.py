"""lang.r: an R parameters cell read into typed defaults; values written back as R literals only."""

import math

import pytest

from jupyterstream.notebook import lang, params
from jupyterstream.errors import NotebookError, ParameterError, ValuesError
from jupyterstream.notebook.lang import bash, r
from jupyterstream.notebook.lang.python import NO_LITERAL
from jupyterstream.launch.plan import build_plan

from ..helpers import notebook, save

CELL = '''# defaults for one run
state <- "CA"   # a state code
n = 10L; ratio <- 1.5
count <- 10
flag <- TRUE
short <- F
nothing <- NULL
top <- -Inf
quoted <- 'it\\'s "q" \\u00e9\\n'
ids <- c(1L, 2L,
         3L)
labels <- c("a", "b")
options <- list(alpha = 0.5, "beta gamma" = "x")
mixed <- list(1L, "a")
today <- Sys.Date()
`odd name` <- 2
library(stats)
"CA" -> other
empty <- c()
missing <- NA
'''


def test_r_cell_defaults_become_python_values_of_the_matching_type():
    defaults = r.read_defaults(CELL, "nb.ipynb")
    assert defaults == {
        "state": "CA", "n": 10, "ratio": 1.5, "count": 10.0, "flag": True, "short": False, "nothing": None,
        "top": -math.inf, "quoted": 'it\'s "q" \u00e9\n', "ids": [1, 2, 3], "labels": ["a", "b"],
        "options": {"alpha": 0.5, "beta gamma": "x"}, "mixed": [1, "a"], "today": NO_LITERAL,
        "odd name": 2.0, "other": "CA", "empty": None, "missing": NO_LITERAL}
    assert type(defaults["n"]) is int and type(defaults["count"]) is float


def test_r_integer_default_keeps_values_integers_and_a_double_default_makes_doubles():
    defaults = r.read_defaults("n <- 10L\nx <- 10\n", "nb.ipynb")
    values = {name: params.convert(name, "7", default) for name, default in defaults.items()}
    assert r.cell_source(values).splitlines()[1:] == ["n <- 7L", "x <- 7.0"]


def test_unclosed_r_string_is_a_notebook_error_naming_the_line():
    with pytest.raises(NotebookError, match=r"nb.ipynb.*not valid R.*line 2"):
        r.read_defaults('a <- 1\nb <- "open\n', "nb.ipynb")


def test_r_expression_that_is_not_a_literal_has_no_literal_default():
    defaults = r.read_defaults("a <- 1 + 2\nb <- c(1, x)\nc <- paste('a', 'b')\nd <- 1 %in%\n  2\ne <- 3\n",
                               "nb.ipynb")
    assert defaults == {"a": NO_LITERAL, "b": NO_LITERAL, "c": NO_LITERAL, "d": NO_LITERAL, "e": 3.0}


@pytest.mark.parametrize("value, source", [
    (True, "TRUE"), (False, "FALSE"), (None, "NULL"), (3, "3L"), (-2147483647, "-2147483647L"),
    (0.25, "0.25"), (3.0, "3.0"), (math.inf, "Inf"), (-math.inf, "-Inf"), (math.nan, "NaN"),
    (0.1 + 0.2, "0x1.3333333333334p-2"), ("plain", '"plain"'), ([1, 2], "c(1L, 2L)"),
    (["a"], 'c("a")'), ([1, "a"], 'list(1L, "a")'), ([], "list()"), ({"k": [True]}, 'list("k" = c(TRUE))'),
])
def test_r_literal_writes_each_python_value_as_its_r_constant(value, source):
    assert r.literal(value) == source


def test_r_string_escapes_quotes_backslashes_controls_and_non_ascii_to_printable_ascii():
    written = r.string('a"b\\c\n\t\r\x01\x7f\u00e9\U0001f600$(x)')
    assert written == '"a\\"b\\\\c\\n\\t\\r\\u{0001}\\u{007f}\\u{00e9}\\U{0001f600}$(x)"'
    assert all(" " <= char <= "~" for char in written)


@pytest.mark.parametrize("value, problem", [("a\x00b", "NUL"), ("\ud800", "surrogate"), (2**31, "integer range"),
                                            ({"": 1}, "empty key"), (object(), "no R literal")])
def test_value_r_cannot_hold_is_a_parameter_error_naming_the_parameter(value, problem):
    with pytest.raises(ParameterError, match=f"parameter 'state'.*{problem}"):
        r.cell_source({"state": value})


def test_r_names_that_are_not_syntactic_are_backquoted_or_assigned_by_string():
    assert r.cell_source({"odd name": 1, "if": 2, "ok.name_2": 3, "caf\u00e9": 4}).splitlines()[1:] == [
        "`odd name` <- 1L", "`if` <- 2L", "ok.name_2 <- 3L", 'base::assign("caf\\u{00e9}", 4L)']


def test_r_names_with_letters_beyond_ascii_are_read():
    assert r.read_defaults("caf\u00e9 <- 1L\n", "nb.ipynb") == {"caf\u00e9": 1}


def test_notebooks_of_irkernel_and_bash_kernel_are_read_in_their_own_language():
    r_nb = notebook('state <- "CA"\n', kernel="ir")
    r_nb.metadata["kernelspec"]["language"] = "R"
    bash_nb = notebook('state="CA"\n', kernel="bash")
    bash_nb.metadata["kernelspec"]["language"] = "bash"
    assert lang.for_notebook(r_nb, "r.ipynb") is r
    assert lang.for_notebook(bash_nb, "b.ipynb") is bash
    assert params.read_defaults(r_nb, "r.ipynb") == {"state": "CA"}
    injected = params.inject(r_nb, {"state": "NY"}, {"state": "NY"})
    assert injected.cells[1].source == '# Parameters injected by jupyterstream\nstate <- "NY"\n'


def test_value_r_cannot_hold_is_refused_when_planning_naming_file_line_and_parameter(tmp_path):
    nb = notebook('state <- "CA"\n', kernel="ir")
    nb.metadata["kernelspec"]["language"] = "R"
    table = tmp_path / "values.csv"
    table.write_text('state\nok\n"a\x00b"\n', encoding="utf-8")
    with pytest.raises(ValuesError, match=r"values.csv:3: parameter 'state'.*NUL"):
        build_plan(save(nb, tmp_path / "r.ipynb"), table)
